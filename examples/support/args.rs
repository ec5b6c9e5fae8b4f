//! A small command-line parser: `--name value` pairs and `--flag`s.

use std::collections::HashMap;

use uasc::channel::SecurityRequirement;
use uasc::messages::MessageSecurityMode;
use uasc::policy::{self, BuiltinPolicy};

pub struct Args {
    values: HashMap<String, String>,
    flags: Vec<String>,
}

impl Args {
    /// Parses `std::env::args`, knowing which options are flags.
    pub fn parse(flags: &[&str]) -> Result<Args, String> {
        let mut values = HashMap::new();
        let mut set = Vec::new();
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            let name = arg
                .strip_prefix("--")
                .ok_or_else(|| format!("unexpected argument {arg}"))?;
            if flags.contains(&name) {
                set.push(name.to_owned());
            } else {
                let value = it.next().ok_or_else(|| format!("--{name} needs a value"))?;
                values.insert(name.to_owned(), value);
            }
        }
        Ok(Args { values, flags: set })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    pub fn number<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.get(name)
            .map(|v| {
                v.parse()
                    .map_err(|_| format!("--{name}: not a number: {v}"))
            })
            .transpose()
    }
}

/// A policy by its short name (`Basic256Sha256`) or URI.
pub fn policy(name: &str) -> Result<&'static BuiltinPolicy, String> {
    policy::by_name(name)
        .or_else(|| policy::by_uri(name))
        .ok_or_else(|| {
            let known: Vec<_> = policy::ALL.iter().map(|p| p.descriptor().name).collect();
            format!("unknown policy {name}; compiled in: {}", known.join(", "))
        })
}

/// Policies from a comma-separated list, or all with `all`.
pub fn policies(list: &str) -> Result<Vec<&'static BuiltinPolicy>, String> {
    if list == "all" {
        return Ok(policy::ALL.to_vec());
    }
    list.split(',').map(policy).collect()
}

pub fn mode(name: &str) -> Result<MessageSecurityMode, String> {
    match name {
        "None" | "none" => Ok(MessageSecurityMode::None),
        "Sign" | "sign" => Ok(MessageSecurityMode::Sign),
        "SignAndEncrypt" | "signandencrypt" | "encrypt" => Ok(MessageSecurityMode::SignAndEncrypt),
        _ => Err(format!("unknown mode {name}: None, Sign or SignAndEncrypt")),
    }
}

pub fn modes(list: &str) -> Result<Vec<MessageSecurityMode>, String> {
    if list == "all" {
        return Ok(vec![
            MessageSecurityMode::None,
            MessageSecurityMode::Sign,
            MessageSecurityMode::SignAndEncrypt,
        ]);
    }
    list.split(',').map(mode).collect()
}

pub fn security(name: &str) -> Result<SecurityRequirement, String> {
    match name {
        "disabled" => Ok(SecurityRequirement::Disabled),
        "optional" => Ok(SecurityRequirement::Optional),
        "mandatory" => Ok(SecurityRequirement::Mandatory),
        _ => Err(format!(
            "unknown security {name}: disabled, optional or mandatory"
        )),
    }
}

/// Every compiled-in policy with each mode it allows.
pub fn all_policy_modes() -> Vec<(&'static BuiltinPolicy, MessageSecurityMode)> {
    let mut out = Vec::new();
    for p in policy::ALL.iter().copied() {
        if p.descriptor().is_none() {
            out.push((p, MessageSecurityMode::None));
        } else {
            out.push((p, MessageSecurityMode::Sign));
            out.push((p, MessageSecurityMode::SignAndEncrypt));
        }
    }
    out
}
