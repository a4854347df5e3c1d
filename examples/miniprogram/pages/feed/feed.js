const { pb } = getApp()
const PER_PAGE = 10

Page({
  data: { posts: [], page: 0, more: true, loading: false, fresh: 0, me: null, buying: false },

  onLoad() {
    this.setData({ me: pb.authStore.record })
    this.stopWatchingAuth = pb.authStore.onChange((token, record) => {
      this.setData({ me: record })
      this.load(1) // signed in or out: drafts appear or go
    })
    this.load(1)
    // new and edited posts while the feed is open (polls pause while it is hidden, and end when it closes); an event
    // can arrive after a reload already showed its post, which is then not new
    this.unsubscribe = pb.wx.subscribe('posts', '*', (e) => {
      if (e.action !== 'create') this.replace(e.record)
      else if (!this.data.posts.some((p) => p.id === e.record.id)) this.setData({ fresh: this.data.fresh + 1 })
    })
  },

  onUnload() {
    this.unsubscribe()
    this.stopWatchingAuth()
  },

  onShow() {
    if (this.data.page) this.load(1) // back from writing a post
  },

  onPullDownRefresh() {
    this.load(1).then(() => wx.stopPullDownRefresh())
  },

  onReachBottom() {
    if (this.data.more && !this.data.loading) this.load(this.data.page + 1)
  },

  async load(page) {
    this.setData({ loading: true })
    try {
      const list = await pb.collection('posts').getList(page, PER_PAGE, { sort: '-created', expand: 'owner', skipTotal: true })
      const items = list.items.map((post) => this.view(post))
      this.setData({
        posts: page === 1 ? items : this.data.posts.concat(items),
        page,
        more: items.length === PER_PAGE,
        fresh: page === 1 ? 0 : this.data.fresh
      })
    } catch (err) {
      if (!err.isAbort) wx.showToast({ title: err.message, icon: 'none' })
    } finally {
      this.setData({ loading: false })
    }
  },

  view(post) {
    return Object.assign({}, post, {
      coverUrl: post.cover ? pb.wx.fileUrl(post, post.cover, { thumb: '300x200' }) : '',
      author: (post.expand && post.expand.owner && post.expand.owner.name) || 'someone'
    })
  },

  replace(post) {
    const at = this.data.posts.findIndex((p) => p.id === post.id)
    if (at >= 0) this.setData({ ['posts[' + at + ']']: this.view(Object.assign({ expand: this.data.posts[at].expand }, post)) })
  },

  login() {
    pb.wx.login().catch((err) => wx.showToast({ title: err.message, icon: 'none' }))
  },

  showFresh() {
    wx.pageScrollTo({ scrollTop: 0 })
    this.load(1)
  },

  open(e) {
    wx.navigateTo({ url: '/pages/post/post?id=' + e.currentTarget.dataset.id })
  },

  write() {
    wx.navigateTo({ url: '/pages/edit/edit' })
  },

  // WeChat Pay: the server's `checkout` function decides the price (functions/shop.py); the promise resolves once
  // the server holds the payment as SUCCESS (requestPayment's own success is not proof of payment)
  async buy() {
    if (this.data.buying) return
    this.setData({ buying: true })
    try {
      const paid = await pb.wx.pay('checkout', { item: 'coffee', qty: 1 })
      wx.showToast({ title: 'Paid ¥' + (paid.amount / 100).toFixed(2) })
    } catch (err) {
      const cancelled = err.errMsg === 'requestPayment:fail cancel'
      wx.showToast({ title: cancelled ? 'Payment cancelled' : err.errMsg || err.message, icon: 'none' })
    } finally {
      this.setData({ buying: false })
    }
  }
})
