//! WebSub: subscribing to a feed's hub and verifying what it pushes.
