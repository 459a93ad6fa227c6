//! Loads a ChirpStack v4 configuration directory the way `chirpstack/src/config.rs` `load()` does: every `.toml` file
//! in the folder is read (in `read_dir` order, which is unspecified, so both orders are tried), the contents are
//! concatenated, `$VAR` environment references substituted, and the result parsed with the `toml` crate into structs
//! mirroring ChirpStack's (serde defaults, unknown keys ignored, as ChirpStack does). The drop-in alone is also parsed
//! with `deny_unknown_fields`, so a key ChirpStack would silently ignore (e.g. `async_interface_timeout`) is reported.
//!
//! usage: bundle-config-check <chirpstack.toml> <drop-in.toml>... -- <bi url> <kek label> <kek hex> <async 0|1>
//!        <JoinEUI prefix>...
use std::collections::BTreeSet;
use std::path::Path;
use std::process::exit;
use std::time::Duration;

use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Configuration {
    network: Network,
    join_server: JoinServer,
    backend_interfaces: BackendInterfaces,
    keks: Vec<Kek>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Network {
    net_id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JoinServer {
    servers: Vec<JoinServerServer>,
    default: JoinServerDefault,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct JoinServerDefault {
    enabled: bool,
    server: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct JoinServerServer {
    #[serde(alias = "join_eui")]
    join_eui_prefix: String,
    server: String,
    #[serde(with = "humantime_serde")]
    async_timeout: Duration,
    ca_cert: String,
    tls_cert: String,
    tls_key: String,
    authorization_header: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BackendInterfaces {
    bind: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct Kek {
    label: String,
    kek: String,
}

/// The drop-in on its own: only what ChirpStack reads, nothing it would ignore.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DropIn {
    #[serde(default)]
    join_server: Option<DropInJoinServer>,
    #[serde(default)]
    keks: Vec<DropInKek>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DropInJoinServer {
    servers: Vec<DropInServer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DropInServer {
    #[serde(alias = "join_eui")]
    join_eui_prefix: String,
    server: String,
    #[serde(default, with = "humantime_serde")]
    async_timeout: Option<Duration>,
    #[serde(default)]
    ca_cert: String,
    #[serde(default)]
    tls_cert: String,
    #[serde(default)]
    tls_key: String,
    #[serde(default)]
    authorization_header: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct DropInKek {
    label: String,
    kek: String,
}

/// lrwn's EUI64Prefix: `<16 hex digits>/<0..=64>`.
fn valid_prefix(p: &str) -> bool {
    match p.split_once('/') {
        Some((eui, bits)) => {
            eui.len() == 16
                && eui.chars().all(|c| c.is_ascii_hexdigit())
                && bits.parse::<u8>().map(|b| b <= 64).unwrap_or(false)
        }
        None => false,
    }
}

fn pem_ok(path: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {}", path, e))?;
    if !text.starts_with("-----BEGIN ") || !text.ends_with('\n') {
        return Err(format!("{} is not a PEM file ending with a newline", path));
    }
    Ok(())
}

fn load(files: &[(String, String)]) -> Result<Configuration, String> {
    let mut content = String::new();
    for (_, text) in files {
        content.push_str(text);
    }
    for (k, v) in std::env::vars() {
        content = content.replace(&format!("${}", k), &v);
    }
    toml::from_str::<Configuration>(&content).map_err(|e| e.to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sep = args.iter().position(|a| a == "--").unwrap_or_else(|| {
        eprintln!("usage: bundle-config-check <chirpstack.toml> <drop-in.toml>... -- <bi url> <label> <kek> <async> <prefix>...");
        exit(2)
    });
    let (paths, expect) = (&args[..sep], &args[sep + 1..]);
    if paths.len() < 2 || expect.len() < 5 {
        eprintln!("need the generated chirpstack.toml, at least one drop-in and the expectations");
        exit(2);
    }
    let (bi_url, label, kek, is_async) = (&expect[0], &expect[1], &expect[2], expect[3] == "1");
    let prefixes: BTreeSet<String> = expect[4..].iter().map(|p| p.to_lowercase()).collect();
    let mut problems: Vec<String> = Vec::new();

    // The configuration directory: chirpstack.toml, then the drop-ins copied next to it.
    let base = &paths[0];
    let mut dir: Vec<(String, String)> = vec![(
        "chirpstack.toml".into(),
        std::fs::read_to_string(base).expect("read the generated chirpstack.toml"),
    )];
    for p in &paths[1..] {
        let name = Path::new(p).file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with(".toml") {
            problems.push(format!("{}: ChirpStack reads only .toml files from its configuration directory", name));
        }
        let text = std::fs::read_to_string(p).expect("read the drop-in");
        if let Some(slot) = dir.iter_mut().find(|(n, _)| *n == name) {
            problems.push(format!("{} overwrites ChirpStack's own {}", p, name));
            *slot = (name, text.clone());
        } else {
            dir.push((name, text.clone()));
        }
        if let Err(e) = toml::from_str::<DropIn>(&text) {
            problems.push(format!("{}: not what ChirpStack reads: {}", p, e));
        }
    }

    let mut reversed = dir.clone();
    reversed.reverse();
    for (order, files) in [("generated file first", &dir), ("drop-in first", &reversed)] {
        let conf = match load(files) {
            Ok(c) => c,
            Err(e) => {
                problems.push(format!("ChirpStack cannot parse its configuration ({}): {}", order, e));
                continue;
            }
        };
        if conf.network.net_id.is_empty() {
            problems.push(format!("[network] net_id of chirpstack.toml lost ({})", order));
        }
        let ours: Vec<JoinServerServer> =
            conf.join_server.servers.iter().filter(|s| s.server == *bi_url).cloned().collect();
        let got: BTreeSet<String> = ours.iter().map(|s| s.join_eui_prefix.to_lowercase()).collect();
        if got != prefixes {
            problems.push(format!("join_eui_prefix {:?}, want {:?} ({})", got, prefixes, order));
        }
        for s in &ours {
            if !valid_prefix(&s.join_eui_prefix) {
                problems.push(format!("join_eui_prefix {:?} is not an EUI64 prefix", s.join_eui_prefix));
            }
            if is_async && s.async_timeout.is_zero() {
                problems.push("the NS is asynchronous but async_timeout is 0 (ChirpStack stays synchronous)".into());
            }
            for (what, p) in [("ca_cert", &s.ca_cert), ("tls_cert", &s.tls_cert), ("tls_key", &s.tls_key)] {
                if !Path::new(p).is_absolute() {
                    problems.push(format!("{} {:?} is not an absolute path", what, p));
                } else if let Err(e) = pem_ok(p) {
                    problems.push(format!("{}: {}", what, e));
                }
            }
        }
        match conf.keks.iter().find(|k| k.label == *label) {
            None => problems.push(format!("no [[keks]] labelled {:?} (\"KEK label does not exist\")", label)),
            Some(k) => {
                if k.kek.len() != 32 || !k.kek.eq_ignore_ascii_case(kek) {
                    problems.push(format!("[[keks]] {:?} is not the registered 16-byte KEK", label));
                }
            }
        }
        let _ = (&conf.backend_interfaces.bind, conf.join_server.default.enabled, &conf.join_server.default.server);
    }

    problems.dedup();
    for p in &problems {
        println!("FAIL {}", p);
    }
    if !problems.is_empty() {
        exit(1);
    }
    println!("ok: ChirpStack v4 loads its configuration directory with the drop-in");
}
