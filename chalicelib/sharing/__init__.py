"""Sharing a mini-program: codes for posters (`codes`, wxa/getwxacodeunlimit) and URL Links for SMS and web pages
(`url_links`, wxa/generate_urllink), made once per distinct request and kept, so WeChat's limits are spent once."""
