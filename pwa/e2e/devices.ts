// The browser contexts of the suite: a phone (inspectors, leads) and a desk (联席办).

/** A phone: 390×844 with touch, zh-CN, China time, the service worker allowed, a position in 西峰区 for 签到. */
export const PHONE = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
  serviceWorkers: 'allow' as const,
  geolocation: { latitude: 35.7339, longitude: 107.6382, accuracy: 15 },
  permissions: ['geolocation'],
}

/** The 联席办's desktop. */
export const DESK = {
  viewport: { width: 1280, height: 800 },
  deviceScaleFactor: 1,
  isMobile: false,
  hasTouch: false,
}
