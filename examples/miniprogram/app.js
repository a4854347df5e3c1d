const { createClient } = require('wxbase-miniprogram')
const config = require('./config')

App({
  pb: createClient(config),

  onLaunch() {
    // the sign-in is kept in wx storage and valid at once; sign in only the first time
    if (!this.pb.authStore.isValid) {
      this.pb.wx.login().catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
    }
  }
})
