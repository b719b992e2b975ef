//! CIDR blocks read as addresses, not compared as strings: every spelling of "the whole
//! internet" counts — `0.0.0.0/0`, `::/0`, `0:0:0:0:0:0:0:0/0`, `::0/0`, and a `/0` with host bits
//! set (`10.0.0.1/0`, which AWS and Azure normalise to `0.0.0.0/0`). A bare `0.0.0.0` or `::`
//! (Azure and GCP accept an address without a prefix) counts too. Parsing is std's `IpAddr`.

use std::net::IpAddr;

/// Whether `cidr` covers every IPv4 or every IPv6 address.
pub fn is_anywhere(cidr: &str) -> bool {
    let c = cidr.trim();
    match c.split_once('/') {
        Some((addr, prefix)) => {
            addr.trim().parse::<IpAddr>().is_ok() && prefix.trim().parse::<u8>() == Ok(0)
        }
        None => c.parse::<IpAddr>().is_ok_and(|a| a.is_unspecified()),
    }
}

#[cfg(test)]
mod tests {
    use super::is_anywhere;

    #[test]
    fn every_spelling_of_anywhere() {
        for c in [
            "0.0.0.0/0",
            "::/0",
            "0:0:0:0:0:0:0:0/0",
            "0000:0000:0000:0000:0000:0000:0000:0000/0",
            "::0/0",
            "10.0.0.1/0",
            "2001:db8::/0",
            " 0.0.0.0/0 ",
            "0.0.0.0/00",
            "0.0.0.0",
            "::",
        ] {
            assert!(is_anywhere(c), "{c}");
        }
        for c in [
            "10.0.0.0/8",
            "0.0.0.0/1",
            "::/1",
            "192.168.1.1",
            "0.0.0.0/",
            "/0",
            "var.cidr",
            "${var.cidr}/0",
            "",
            "0.0.0.0/-0",
        ] {
            assert!(!is_anywhere(c), "{c}");
        }
    }
}
