//! The guard on outgoing requests (feeds, linked pages, webhooks): a URL whose host resolves
//! to a loopback, private, link-local, shared or cloud-metadata address is refused, unless
//! the host or the address is on the allow-list (`fetch.allow` / `HERALD_FETCH_ALLOW`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use reqwest::Url;

/// Host names that reach a cloud provider's instance metadata whatever they resolve to.
const METADATA_HOSTS: &[&str] = &["metadata.google.internal", "metadata", "instance-data"];

/// One allow-list entry: a host name, or an address block (`10.0.0.0/8`, `127.0.0.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowEntry {
    Host(String),
    Net { addr: IpAddr, prefix: u8 },
}

impl AllowEntry {
    /// Parses `host`, `ADDR` or `ADDR/PREFIX`.
    pub fn parse(s: &str) -> Result<AllowEntry, String> {
        let s = s.trim();
        if s.is_empty() {
            return Err("an empty entry".into());
        }
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        match addr.parse::<IpAddr>() {
            Ok(ip) => {
                let max = if ip.is_ipv4() { 32 } else { 128 };
                let prefix = match prefix {
                    None => max,
                    Some(p) => p
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= max)
                        .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
                };
                Ok(AllowEntry::Net { addr: ip, prefix })
            }
            Err(_) if prefix.is_none() && !s.contains(char::is_whitespace) => {
                Ok(AllowEntry::Host(s.trim_end_matches('.').to_ascii_lowercase()))
            }
            Err(_) => Err(format!(
                "{s:?} is neither a host name nor an address block like 10.0.0.0/8"
            )),
        }
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let AllowEntry::Net { addr, prefix } = self else {
            return false;
        };
        match (addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(*prefix)).unwrap_or(0);
                u32::from(*a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(*prefix)).unwrap_or(0);
                u128::from(*a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }
}

/// The guard, with its allow-list.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    allow: Vec<AllowEntry>,
}

/// Whether an address is one an outside service must not make the node reach.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => internal_v4(v4),
            None => internal_v6(v6),
        },
    }
}

fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, which holds the 169.254.169.254 metadata service
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (carrier NAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || a >= 240
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) // AWS metadata over IPv6
}

impl Guard {
    /// A guard allowing `entries` (already checked when the configuration was loaded;
    /// any that do not parse are ignored).
    pub fn new(entries: &[String]) -> Guard {
        Guard {
            allow: entries.iter().filter_map(|e| AllowEntry::parse(e).ok()).collect(),
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        self.allow
            .iter()
            .any(|e| matches!(e, AllowEntry::Host(h) if h == host))
    }

    fn ip_allowed(&self, ip: IpAddr) -> bool {
        !is_internal(ip) || self.allow.iter().any(|e| e.contains(ip))
    }

    /// Parses a webhook URL and checks where it leads: an `http` URL with a host whose
    /// every address is public or allowed. The answer says what is wrong and why.
    pub async fn check(&self, url: &str) -> Result<Url, String> {
        let u = Url::parse(url).map_err(|e| format!("{url:?} is not a URL ({e})"))?;
        match u.scheme() {
            "http" => {}
            "https" => {
                return Err(format!(
                    "{url}: this build delivers webhooks over http only (no TLS client is built in)"
                ));
            }
            s => return Err(format!("{url}: unsupported scheme {s:?}; use http://")),
        }
        let Some(host) = u.host_str() else {
            return Err(format!("{url}: no host"));
        };
        let literal = host.trim_start_matches('[').trim_end_matches(']');
        let ips: Vec<IpAddr> = match literal.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => {
                let name = host.trim_end_matches('.').to_ascii_lowercase();
                if self.host_allowed(&name) {
                    return Ok(u);
                }
                if METADATA_HOSTS.contains(&name.as_str()) {
                    return Err(format!("{url}: {name} is a cloud metadata service; refused"));
                }
                let port = u.port_or_known_default().unwrap_or(80);
                tokio::net::lookup_host((name.as_str(), port))
                    .await
                    .map_err(|e| format!("{url}: cannot resolve {name} ({e})"))?
                    .map(|a| a.ip())
                    .collect()
            }
        };
        if ips.is_empty() {
            return Err(format!("{url}: the host resolves to no address"));
        }
        if let Some(bad) = ips.iter().find(|ip| !self.ip_allowed(**ip)) {
            return Err(format!(
                "{url}: the host resolves to {bad}, a loopback, private, link-local or metadata \
                 address; refused (allow it with fetch.allow / HERALD_FETCH_ALLOW)"
            ));
        }
        Ok(u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(rt: &tokio::runtime::Runtime, g: &Guard, url: &str) -> Result<Url, String> {
        rt.block_on(g.check(url))
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let closed = Guard::default();
        for url in [
            "http://127.0.0.1:9/hook",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[::ffff:192.168.0.1]/",
            "http://100.64.0.1/",
            "http://localhost/",
            "http://metadata.google.internal/",
        ] {
            assert!(block(&rt, &closed, url).is_err(), "{url} must be refused");
        }
        assert!(
            block(&rt, &closed, "https://93.184.215.14/").is_err(),
            "no TLS in this build"
        );
        assert!(block(&rt, &closed, "ftp://93.184.215.14/").is_err());
        assert!(block(&rt, &closed, "http://93.184.215.14/hook").is_ok());
        let open = Guard::new(&["127.0.0.1".into(), "10.0.0.0/8".into(), "hooks.internal".into()]);
        assert!(block(&rt, &open, "http://127.0.0.1:9/hook").is_ok());
        assert!(block(&rt, &open, "http://10.200.0.9/").is_ok());
        assert!(block(&rt, &open, "http://hooks.internal/").is_ok());
        assert!(
            block(&rt, &open, "http://127.0.0.2/").is_err(),
            "only the allowed address"
        );
        assert!(block(&rt, &open, "http://192.168.1.1/").is_err());
    }

    #[test]
    fn allow_entries_parse_or_say_why_not() {
        assert_eq!(
            AllowEntry::parse("10.0.0.0/8"),
            Ok(AllowEntry::Net {
                addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)),
                prefix: 8
            })
        );
        assert!(AllowEntry::parse("10.0.0.0/33").is_err());
        assert!(AllowEntry::parse("two words").is_err());
        assert_eq!(
            AllowEntry::parse("Hooks.Example."),
            Ok(AllowEntry::Host("hooks.example".into()))
        );
    }
}
