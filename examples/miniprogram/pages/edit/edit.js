const { pb } = getApp()

Page({
  data: { title: '', content: '', published: true, coverPath: '', progress: 0, saving: false },

  titled(e) { this.setData({ title: e.detail.value }) },
  wrote(e) { this.setData({ content: e.detail.value }) },
  toggled(e) { this.setData({ published: e.detail.value }) },

  chooseCover() {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sizeType: ['compressed'],
      success: (res) => this.setData({ coverPath: res.tempFiles[0].tempFilePath, progress: 0 })
    })
  },

  async save() {
    if (!this.data.title.trim() || this.data.saving) return
    this.setData({ saving: true })
    try {
      const post = {
        title: this.data.title.trim(),
        content: this.data.content,
        status: this.data.published ? 'published' : 'draft',
        owner: pb.authStore.record.id
      }
      if (this.data.coverPath) {
        // straight to storage, with progress; the new record takes the upload's id and file name
        const cover = await pb.wx.upload({
          collection: 'posts',
          field: 'cover',
          filePath: this.data.coverPath,
          onProgress: (e) => this.setData({ progress: e.progress })
        })
        post.id = cover.recordId
        post.cover = cover.name
      }
      await pb.collection('posts').create(post)
      wx.navigateBack()
    } catch (err) {
      wx.showToast({ title: err.message, icon: 'none' })
    } finally {
      this.setData({ saving: false })
    }
  }
})
