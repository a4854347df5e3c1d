const { pb } = getApp()
const config = require('../../config')

Page({
  data: { post: null, coverUrl: '', comments: [], text: '', sending: false },

  async onLoad({ id }) {
    this.id = id
    try {
      const post = await pb.collection('posts').getOne(id, { expand: 'owner' })
      // a draft's cover is not public: an <image> needs a file token in its link
      const token = post.status === 'draft' ? await pb.wx.fileToken() : undefined
      this.setData({ post, coverUrl: post.cover ? pb.wx.fileUrl(post, post.cover, { token }) : '' })
      wx.setNavigationBarTitle({ title: post.title })
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' })
      return
    }
    const list = await pb.collection('comments').getList(1, 50, { filter: pb.filter('post = {:id}', { id }), sort: 'created', expand: 'author' })
    this.setData({ comments: list.items })
    this.unsubscribe = pb.wx.subscribe('comments', '*', (e) => this.heard(e), { filter: pb.filter('post = {:id}', { id }) })
  },

  onUnload() {
    if (this.unsubscribe) this.unsubscribe()
  },

  heard({ action, record }) {
    if (action === 'create' && !this.data.comments.some((c) => c.id === record.id)) {
      this.setData({ comments: this.data.comments.concat([record]) })
    }
  },

  typed(e) {
    this.setData({ text: e.detail.value })
  },

  async send() {
    const text = this.data.text.trim()
    if (!text || this.data.sending) return
    this.setData({ sending: true })
    try {
      const comment = await pb.collection('comments').create({ post: this.id, author: pb.authStore.record.id, text })
      this.heard({ action: 'create', record: comment })
      this.setData({ text: '' })
    } catch (err) {
      wx.showToast({ title: (err.response.data.text && err.response.data.text.message) || err.message, icon: 'none' })
    } finally {
      this.setData({ sending: false })
    }
  },

  // ask for the subscribe-message permission, then have wxbase send the reminder (here: to the user, now)
  notifyMe() {
    wx.requestSubscribeMessage({
      tmplIds: [config.replyTemplateId],
      success: async (res) => {
        if (res[config.replyTemplateId] !== 'accept') return
        try {
          await pb.send('/api/wechat/subscribe-messages', {
            method: 'POST',
            body: {
              template_id: config.replyTemplateId,
              page: 'pages/post/post?id=' + this.id,
              data: { thing1: { value: this.data.post.title.slice(0, 20) }, thing2: { value: 'New replies are waiting' } }
            }
          })
          wx.showToast({ title: 'Reminder sent' })
        } catch (err) {
          wx.showToast({ title: err.message, icon: 'none' })
        }
      }
    })
  }
})
