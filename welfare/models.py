# Models of this app arrive with its issue; the app is wired in so the layout is stable.
