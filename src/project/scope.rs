//! Which files a scan reports on.
