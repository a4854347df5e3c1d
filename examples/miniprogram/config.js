// Where the app's backend is. `make dev` serves http://127.0.0.1:8000 (DevTools: 详情 → 本地设置 → 不校验合法域名).
module.exports = {
  url: 'http://127.0.0.1:8000',
  // make dev's apps are sandbox apps: sign in as the sandbox user "alice" of wxsandbox00000001. For a real
  // deployment remove both lines: the client then uses wx.login and the running mini-program's appid.
  appid: 'wxsandbox00000001',
  sandboxUser: 'alice',
  // a subscribe-message template of your mini-program (订阅消息); any id works against the sandbox
  replyTemplateId: 'sandbox-template-reply'
}
