//! ChirpStack v4's side of the join path against Joinery, with ChirpStack v4's own code from crates.io: the `lrwn`
//! codec and crypto (join-request MIC, join-accept MIC and decryption, session key derivation from the root keys)
//! and the HTTP client and key wrap that ChirpStack's `backend` crate is built on (`reqwest` with rustls, the client
//! identity read as ChirpStack reads it: `tls_cert` and `tls_key` concatenated into one PEM buffer; `aes-kw`).
//! ChirpStack's `backend` crate itself is not published on crates.io, so the BI 1.0 JSON is built here with serde
//! in its shape. Each join-accept is also compared byte for byte with one that `lrwn` builds from the same fields.
//!
//! Asynchronous mode: the JoinReq is answered with an empty 200, the answer is POSTed by Joinery to the NS's HTTPS
//! server (run by the test harness); this program fetches it from the harness by TransactionID.
//!
//!     chirpstack-v4-interop PLAN.json      one JSON line per step on stdout
use std::time::Duration;

use aes_kw::KekAes128;
use anyhow::{anyhow, bail, Context, Result};
use lrwn::keys;
use lrwn::{
    AES128Key, CFList, CFListChannels, DLSettings, DevAddr, FType, JoinAcceptPayload, JoinRequestPayload,
    JoinType, Major, NetID, Payload, PhyPayload, RejoinRequestType02Payload, EUI64, MHDR,
};
use rand::RngCore;
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Plan {
    server: String,
    ca_cert: String,
    tls_cert: String,
    tls_key: String,
    sender_id: String,
    receiver_id: String,
    kek: Kek,
    #[serde(rename = "async")]
    async_answers: Option<AsyncAnswers>,
    devices: Vec<Device>,
}

#[derive(Deserialize)]
struct Kek {
    label: String,
    key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AsyncAnswers {
    answers_url: String,
    timeout_ms: u64,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Device {
    dev_eui: String,
    mac_version: String,
    nwk_key: String,
    app_key: Option<String>,
    dev_nonce: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StepResult {
    dev_eui: String,
    mac_version: String,
    step: String,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

// The BI 1.0 messages as ChirpStack v4's backend crate (de)serializes them.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct BasePayload {
    #[serde(rename = "ProtocolVersion")]
    protocol_version: String,
    #[serde(rename = "SenderID")]
    sender_id: String,
    #[serde(rename = "ReceiverID")]
    receiver_id: String,
    #[serde(rename = "TransactionID")]
    transaction_id: u32,
    #[serde(rename = "MessageType")]
    message_type: String,
}

#[derive(Serialize)]
struct JoinReqPayload {
    #[serde(flatten)]
    base: BasePayload,
    #[serde(rename = "MACVersion")]
    mac_version: String,
    #[serde(rename = "PHYPayload")]
    phy_payload: String,
    #[serde(rename = "DevEUI")]
    dev_eui: String,
    #[serde(rename = "DevAddr")]
    dev_addr: String,
    #[serde(rename = "DLSettings")]
    dl_settings: String,
    #[serde(rename = "RxDelay")]
    rx_delay: u8,
    #[serde(rename = "CFList")]
    cf_list: String,
}

#[derive(Deserialize, Debug)]
struct ResultPayload {
    #[serde(rename = "ResultCode")]
    result_code: String,
    #[serde(rename = "Description", default)]
    description: Option<String>,
}

#[derive(Deserialize, Debug, Clone)]
struct KeyEnvelope {
    #[serde(rename = "KEKLabel", default)]
    kek_label: Option<String>,
    #[serde(rename = "AESKey")]
    aes_key: String,
}

#[derive(Deserialize, Debug)]
struct JoinAnsPayload {
    #[serde(flatten)]
    base: BasePayload,
    #[serde(rename = "Result")]
    result: ResultPayload,
    #[serde(rename = "PHYPayload", default)]
    phy_payload: Option<String>,
    #[serde(rename = "NwkSKey", default)]
    nwk_s_key: Option<KeyEnvelope>,
    #[serde(rename = "FNwkSIntKey", default)]
    f_nwk_s_int_key: Option<KeyEnvelope>,
    #[serde(rename = "SNwkSIntKey", default)]
    s_nwk_s_int_key: Option<KeyEnvelope>,
    #[serde(rename = "NwkSEncKey", default)]
    nwk_s_enc_key: Option<KeyEnvelope>,
    #[serde(rename = "AppSKey", default)]
    app_s_key: Option<KeyEnvelope>,
}

struct Keys {
    dev_eui: EUI64,
    join_eui: EUI64,
    net_id: NetID,
    nwk_key: AES128Key,
    app_key: AES128Key,
    opt_neg: bool,
}

struct Client {
    http: reqwest::Client,
    plan: Plan,
    kek: [u8; 16],
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    if let Err(e) = run(&path).await {
        eprintln!("chirpstack-v4-interop: {e:#}");
        std::process::exit(1);
    }
}

async fn run(path: &str) -> Result<()> {
    let plan: Plan = serde_json::from_slice(&std::fs::read(path).context("read the plan")?)?;
    // As ChirpStack's backend::Client::new: CA from ca_cert, identity from tls_cert + tls_key in one buffer.
    let mut identity = std::fs::read(&plan.tls_cert).context("read tls_cert")?;
    identity.extend(std::fs::read(&plan.tls_key).context("read tls_key")?);
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(reqwest::Certificate::from_pem(&std::fs::read(&plan.ca_cert)?)?)
        .identity(reqwest::Identity::from_pem(&identity).context("client identity")?)
        .timeout(Duration::from_secs(10))
        .build()?;
    let kek: [u8; 16] = hex::decode(&plan.kek.key)?
        .try_into()
        .map_err(|_| anyhow!("the KEK is not 16 bytes"))?;
    let client = Client { http, plan, kek };
    for d in client.plan.devices.clone() {
        let report = |step: &str, r: &Result<()>| {
            let line = StepResult {
                dev_eui: d.dev_eui.clone(),
                mac_version: d.mac_version.clone(),
                step: step.to_string(),
                ok: r.is_ok(),
                error: r.as_ref().err().map(|e| format!("{e:#}")),
            };
            println!("{}", serde_json::to_string(&line).unwrap());
        };
        let joined = client.join(&d).await;
        let as_unit = joined.as_ref().map(|_| ()).map_err(|e| anyhow!("{e:#}"));
        report("join", &as_unit);
        if d.mac_version != "1.1" {
            continue;
        }
        let s_nwk_s_int_key = match joined {
            Ok(k) => k,
            Err(_) => {
                report("rejoin0", &Err(anyhow!("not run: the join failed")));
                report("rejoin2", &Err(anyhow!("not run: the join failed")));
                continue;
            }
        };
        // RJcount0 is reset to 0 after every processed Join-Accept (LoRaWAN 1.1 §6.2.4.4).
        report("rejoin0", &client.rejoin(&d, &s_nwk_s_int_key, JoinType::RejoinType0, 0).await);
        report("rejoin2", &client.rejoin(&d, &s_nwk_s_int_key, JoinType::RejoinType2, 0).await);
    }
    Ok(())
}

fn radio_settings(opt_neg: bool) -> Result<(DevAddr, DLSettings, u8, CFList)> {
    let mut b = [0u8; 4];
    rand::thread_rng().fill_bytes(&mut b);
    Ok((
        DevAddr::from_be_bytes(b),
        DLSettings { opt_neg, rx2_dr: 3, rx1_dr_offset: 1 },
        1,
        CFList::Channels(CFListChannels::from_slice(&[867100000, 867300000, 867500000, 867700000, 867900000])?),
    ))
}

impl Client {
    fn keys(&self, d: &Device) -> Result<Keys> {
        let nwk_key: AES128Key = d.nwk_key.parse()?;
        Ok(Keys {
            dev_eui: d.dev_eui.parse()?,
            join_eui: self.plan.receiver_id.parse()?,
            net_id: self.plan.sender_id.parse()?,
            nwk_key,
            app_key: match &d.app_key {
                Some(k) => k.parse()?,
                None => nwk_key,
            },
            opt_neg: d.mac_version == "1.1",
        })
    }

    fn base(&self, message_type: &str) -> BasePayload {
        BasePayload {
            protocol_version: "1.0".into(),
            sender_id: self.plan.sender_id.clone(),
            receiver_id: self.plan.receiver_id.clone(),
            transaction_id: rand::thread_rng().next_u32(),
            message_type: message_type.into(),
        }
    }

    async fn request(&self, req: &JoinReqPayload) -> Result<JoinAnsPayload> {
        let res = self.http.post(&self.plan.server).json(req).send().await.context("POST")?;
        let status = res.status();
        let body = res.bytes().await?;
        let ans: JoinAnsPayload = match &self.plan.async_answers {
            None => serde_json::from_slice(&body).with_context(|| format!("HTTP {status} answer"))?,
            Some(a) => {
                if !status.is_success() || !body.is_empty() {
                    bail!("async request answered HTTP {status} with {} bytes", body.len());
                }
                let url = format!("{}{}", a.answers_url, req.base.transaction_id);
                let got = self
                    .http
                    .get(url)
                    .timeout(Duration::from_millis(a.timeout_ms))
                    .send()
                    .await
                    .context("Async timeout")?;
                if !got.status().is_success() {
                    bail!("Async timeout (harness answered {})", got.status());
                }
                got.json().await?
            }
        };
        let want = format!("{}Ans", req.base.message_type.trim_end_matches("Req"));
        if ans.base.message_type != want
            || ans.base.sender_id != req.base.receiver_id
            || ans.base.receiver_id != req.base.sender_id
            || ans.base.transaction_id != req.base.transaction_id
            || ans.base.protocol_version != req.base.protocol_version
        {
            bail!("answer header {:?} does not answer {:?}", ans.base, req.base);
        }
        if ans.result.result_code != "Success" {
            bail!("result {} {}", ans.result.result_code, ans.result.description.clone().unwrap_or_default());
        }
        Ok(ans)
    }

    /// Signs `phy` with `mic_key` and sends it as a JoinReq or a RejoinReq (`message_type`: the same fields) with fresh
    /// radio settings; answers the checked answer and the settings it asked for.
    async fn send_join(
        &self,
        message_type: &str,
        d: &Device,
        k: &Keys,
        mut phy: PhyPayload,
        mic_key: &AES128Key,
        opt_neg: bool,
    ) -> Result<(JoinAnsPayload, (DevAddr, DLSettings, u8, CFList))> {
        phy.set_join_request_mic(mic_key)?;
        let (dev_addr, dl, rx_delay, cf_list) = radio_settings(opt_neg)?;
        let req = JoinReqPayload {
            base: self.base(message_type),
            mac_version: d.mac_version.clone(),
            phy_payload: hex::encode(phy.to_vec()?),
            dev_eui: k.dev_eui.to_string(),
            dev_addr: dev_addr.to_string(),
            dl_settings: hex::encode(dl.to_le_bytes()?),
            rx_delay,
            cf_list: hex::encode(cf_list.to_bytes()?),
        };
        Ok((self.request(&req).await?, (dev_addr, dl, rx_delay, cf_list)))
    }

    /// Joins, checks everything; returns the SNwkSIntKey (NwkSKey in 1.0) for the rejoins.
    async fn join(&self, d: &Device) -> Result<AES128Key> {
        let k = self.keys(d)?;
        let phy = PhyPayload {
            mhdr: MHDR { f_type: FType::JoinRequest, major: Major::LoRaWANR1 },
            payload: Payload::JoinRequest(JoinRequestPayload {
                join_eui: k.join_eui,
                dev_eui: k.dev_eui,
                dev_nonce: d.dev_nonce,
            }),
            mic: None,
        };
        let (ans, sent) = self.send_join("JoinReq", d, &k, phy, &k.nwk_key, k.opt_neg).await?;
        let enc_key = k.nwk_key;
        let mic_key = if k.opt_neg { keys::get_js_int_key(&k.dev_eui, &k.nwk_key)? } else { k.nwk_key };
        self.check(&k, &ans, JoinType::Join, d.dev_nonce, enc_key, mic_key, sent)
    }

    async fn rejoin(&self, d: &Device, s_nwk_s_int_key: &AES128Key, t: JoinType, rj_count_0: u16) -> Result<()> {
        let k = self.keys(d)?;
        let phy = PhyPayload {
            mhdr: MHDR { f_type: FType::RejoinRequest, major: Major::LoRaWANR1 },
            payload: Payload::RejoinRequestType02(RejoinRequestType02Payload {
                rejoin_type: t.clone(),
                netid: k.net_id,
                dev_eui: k.dev_eui,
                rj_count_0,
            }),
            mic: None,
        };
        // Type 0/2 rejoin-requests are signed with SNwkSIntKey (checked by the NS).
        let (ans, sent) = self.send_join("RejoinReq", d, &k, phy, s_nwk_s_int_key, true).await?;
        let enc_key = keys::get_js_enc_key(&k.dev_eui, &k.nwk_key)?;
        let mic_key = keys::get_js_int_key(&k.dev_eui, &k.nwk_key)?;
        self.check(&k, &ans, t, rj_count_0, enc_key, mic_key, sent).map(|_| ())
    }

    #[allow(clippy::too_many_arguments)]
    fn check(
        &self,
        k: &Keys,
        ans: &JoinAnsPayload,
        join_type: JoinType,
        dev_nonce: u16,
        enc_key: AES128Key,
        mic_key: AES128Key,
        sent: (DevAddr, DLSettings, u8, CFList),
    ) -> Result<AES128Key> {
        let raw = hex::decode(ans.phy_payload.as_deref().ok_or_else(|| anyhow!("no PHYPayload"))?)?;
        // The device: decrypt, then the MIC over the plaintext.
        let mut phy = PhyPayload::from_slice(&raw)?;
        if phy.mhdr.f_type != FType::JoinAccept {
            bail!("MType {:?}", phy.mhdr.f_type);
        }
        phy.decrypt_join_accept_payload(&enc_key)?;
        if !phy.validate_join_accept_mic(join_type.clone(), &k.join_eui, dev_nonce, &mic_key)? {
            bail!("join-accept MIC invalid");
        }
        let ja = match &phy.payload {
            Payload::JoinAccept(ja) => ja.clone(),
            other => bail!("join-accept payload {other:?}"),
        };
        let (dev_addr, dl, rx_delay, cf_list) = sent;
        if ja.home_netid != k.net_id || ja.devaddr != dev_addr || ja.dl_settings != dl || ja.rx_delay != rx_delay {
            bail!("join-accept fields {ja:?}");
        }
        if ja.cflist.as_ref().map(|c| c.to_bytes().ok()) != Some(Some(cf_list.to_bytes()?)) {
            bail!("join-accept CFList {:?}", ja.cflist);
        }
        // The same accept built by lrwn from the same fields must be the same bytes.
        let mut built = PhyPayload {
            mhdr: MHDR { f_type: FType::JoinAccept, major: Major::LoRaWANR1 },
            payload: Payload::JoinAccept(JoinAcceptPayload {
                join_nonce: ja.join_nonce,
                home_netid: k.net_id,
                devaddr: dev_addr,
                dl_settings: dl.clone(),
                rx_delay,
                cflist: Some(cf_list),
            }),
            mic: None,
        };
        built.set_join_accept_mic(join_type, &k.join_eui, dev_nonce, &mic_key)?;
        built.encrypt_join_accept_payload(&enc_key)?;
        if built.to_vec()? != raw {
            bail!("join-accept differs from lrwn's: {} vs {}", hex::encode(&raw), hex::encode(built.to_vec()?));
        }
        // Session keys, derived by lrwn from the root keys with Joinery's JoinNonce, against the unwrapped ones.
        let (n, id, je) = (ja.join_nonce, &k.net_id, &k.join_eui);
        let app_s_key = keys::get_app_s_key(k.opt_neg, if k.opt_neg { &k.app_key } else { &k.nwk_key }, id, je, n, dev_nonce)?;
        self.compare("AppSKey", &ans.app_s_key, &app_s_key, false)?;
        let f = keys::get_f_nwk_s_int_key(k.opt_neg, &k.nwk_key, id, je, n, dev_nonce)?;
        if k.opt_neg {
            let s = keys::get_s_nwk_s_int_key(true, &k.nwk_key, id, je, n, dev_nonce)?;
            let e = keys::get_nwk_s_enc_key(true, &k.nwk_key, id, je, n, dev_nonce)?;
            self.compare("FNwkSIntKey", &ans.f_nwk_s_int_key, &f, true)?;
            self.compare("SNwkSIntKey", &ans.s_nwk_s_int_key, &s, true)?;
            self.compare("NwkSEncKey", &ans.nwk_s_enc_key, &e, true)?;
            if ans.nwk_s_key.is_some() {
                bail!("NwkSKey sent for a 1.1 session");
            }
            Ok(s)
        } else {
            self.compare("NwkSKey", &ans.nwk_s_key, &f, true)?;
            if ans.f_nwk_s_int_key.is_some() || ans.s_nwk_s_int_key.is_some() || ans.nwk_s_enc_key.is_some() {
                bail!("1.1 session keys sent for a 1.0 session");
            }
            Ok(f)
        }
    }

    /// As ChirpStack's KeyEnvelope::unwrap: a KEKLabel means AES key wrap (RFC 3394) with that KEK.
    fn compare(&self, name: &str, env: &Option<KeyEnvelope>, want: &AES128Key, wrapped: bool) -> Result<()> {
        let env = env.as_ref().ok_or_else(|| anyhow!("{name} missing"))?;
        let bytes = hex::decode(&env.aes_key)?;
        let key = match env.kek_label.as_deref() {
            None | Some("") => {
                if wrapped {
                    bail!("{name} not wrapped");
                }
                bytes
            }
            Some(label) => {
                if label != self.plan.kek.label {
                    bail!("{name} wrapped with KEK {label:?}, want {:?}", self.plan.kek.label);
                }
                let mut out = [0u8; 16];
                KekAes128::from(self.kek)
                    .unwrap(&bytes, &mut out)
                    .map_err(|e| anyhow!("{name}: unwrap: {e:?}"))?;
                out.to_vec()
            }
        };
        if key != want.to_vec() {
            bail!("{name} differs from lrwn's derivation");
        }
        Ok(())
    }
}
