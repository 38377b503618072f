//! The recipient journey in a real headless Chromium: see `e2e/`.
