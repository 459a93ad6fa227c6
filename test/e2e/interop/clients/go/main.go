// ChirpStack v3's side of the join path against Joinery, with ChirpStack v3's own code: the Backend Interfaces
// client and payload types of github.com/brocaar/lorawan/backend (sync, or async with the answers POSTed to this
// program's HTTPS server and handed to the client through Redis, as chirpstack-network-server does), its LoRaWAN
// codec and crypto (MICs, join-accept decryption, AES key unwrap of the KeyEnvelopes), and its reference Join Server
// (backend/joinserver) driven with the same root keys, request and JoinNonce: its join-accept must equal Joinery's
// byte for byte, and its session keys (derived by that package from the root keys) the ones Joinery wrapped.
//
//	chirpstack-v3-interop gen-cert DIR   writes ca.pem, server.pem, server-key.pem (a CA of its own, for 127.0.0.1)
//	chirpstack-v3-interop PLAN.json      runs the plan; one JSON line per step on stdout
package main

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/brocaar/lorawan"
	"github.com/brocaar/lorawan/backend"
	"github.com/brocaar/lorawan/backend/joinserver"
	"github.com/go-redis/redis/v8"
	"joinery.test/loopbackpki"
)

type plan struct {
	Server     string `json:"server"`
	CACert     string `json:"caCert"`
	TLSCert    string `json:"tlsCert"`
	TLSKey     string `json:"tlsKey"`
	SenderID   string `json:"senderId"`
	ReceiverID string `json:"receiverId"`
	KEK        struct {
		Label string `json:"label"`
		Key   string `json:"key"`
	} `json:"kek"`
	Async *struct {
		RedisURL     string `json:"redisUrl"`
		Listen       string `json:"listen"`
		CertFile     string `json:"certFile"`
		KeyFile      string `json:"keyFile"`
		ClientCAFile string `json:"clientCaFile"`
		TimeoutMs    int    `json:"timeoutMs"`
	} `json:"async"`
	Devices []device `json:"devices"`
}

type device struct {
	DevEUI     string `json:"devEui"`
	MACVersion string `json:"macVersion"`
	NwkKey     string `json:"nwkKey"`
	AppKey     string `json:"appKey"`
	DevNonce   uint16 `json:"devNonce"`
}

type result struct {
	DevEUI     string `json:"devEui"`
	MACVersion string `json:"macVersion"`
	Step       string `json:"step"`
	OK         bool   `json:"ok"`
	Error      string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "gen-cert" {
		if err := genCert(os.Args[2]); err != nil {
			fatal(err)
		}
		return
	}
	if len(os.Args) != 2 {
		fatal(errors.New("usage: chirpstack-v3-interop PLAN.json | gen-cert DIR"))
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fatal(err)
	}
	var p plan
	if err := json.Unmarshal(raw, &p); err != nil {
		fatal(err)
	}
	if err := run(p); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "chirpstack-v3-interop:", err)
	os.Exit(1)
}

func run(p plan) error {
	kek, err := hex.DecodeString(p.KEK.Key)
	if err != nil {
		return fmt.Errorf("kek: %w", err)
	}
	config := backend.ClientConfig{
		SenderID:   p.SenderID,
		ReceiverID: p.ReceiverID,
		Server:     p.Server,
		CACert:     p.CACert,
		TLSCert:    p.TLSCert,
		TLSKey:     p.TLSKey,
	}
	var stopCallback func()
	if p.Async != nil {
		opts, err := redis.ParseURL(p.Async.RedisURL)
		if err != nil {
			return fmt.Errorf("redis url: %w", err)
		}
		config.RedisClient = redis.NewClient(opts)
		config.AsyncTimeout = time.Duration(p.Async.TimeoutMs) * time.Millisecond
	}
	client, err := backend.NewClient(config)
	if err != nil {
		return fmt.Errorf("backend client: %w", err)
	}
	if p.Async != nil {
		stopCallback, err = serveCallbacks(p, client)
		if err != nil {
			return err
		}
		defer stopCallback()
	}
	out := json.NewEncoder(os.Stdout)
	for _, d := range p.Devices {
		for _, r := range runDevice(p, client, kek, d) {
			if err := out.Encode(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// serveCallbacks is the NS's Backend Interfaces server for asynchronous answers, as chirpstack-network-server runs
// it: mTLS (the client certificate must chain to the configured CA and name the answer's SenderID, the JoinEUI, as
// its CN), then the answer goes to the waiting client through Redis (Client.HandleAnswer).
func serveCallbacks(p plan, client backend.Client) (func(), error) {
	caPEM, err := os.ReadFile(p.Async.ClientCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("callback client CA: no certificate")
	}
	cert, err := tls.LoadX509KeyPair(p.Async.CertFile, p.Async.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("callback server certificate: %w", err)
	}
	listener, err := tls.Listen("tcp", p.Async.Listen, &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
	})
	if err != nil {
		return nil, err
	}
	server := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		var base backend.BasePayload
		if err := json.Unmarshal(b, &base); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if len(r.TLS.PeerCertificates) == 0 || r.TLS.PeerCertificates[0].Subject.CommonName != base.SenderID {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ans backend.Answer
		switch base.MessageType {
		case backend.JoinAns:
			var pl backend.JoinAnsPayload
			err = json.Unmarshal(b, &pl)
			ans = pl
		case backend.RejoinAns:
			var pl backend.RejoinAnsPayload
			err = json.Unmarshal(b, &pl)
			ans = pl
		default:
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if err := client.HandleAnswer(r.Context(), ans); err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	})}
	go func() { _ = server.Serve(listener) }()
	return func() { _ = server.Close() }, nil
}

// deviceState is what the NS and the device know after an accepted join.
type deviceState struct {
	sNwkSIntKey lorawan.AES128Key
}

func runDevice(p plan, client backend.Client, kek []byte, d device) []result {
	res := func(step string, err error) result {
		r := result{DevEUI: d.DevEUI, MACVersion: d.MACVersion, Step: step, OK: err == nil}
		if err != nil {
			r.Error = err.Error()
		}
		return r
	}
	var results []result
	state, err := join(p, client, kek, d)
	results = append(results, res("join", err))
	if d.MACVersion != "1.1" {
		return results
	}
	if err != nil {
		return append(results, res("rejoin0", errors.New("not run: the join failed")),
			res("rejoin2", errors.New("not run: the join failed")))
	}
	// After every processed Join-Accept the device resets RJcount0 to 0 (LoRaWAN 1.1 §6.2.4.4), so the type 2
	// rejoin after an accepted type 0 counts from 0 again.
	results = append(results, res("rejoin0", rejoin(p, client, kek, d, state, lorawan.RejoinRequestType0, 0)))
	results = append(results, res("rejoin2", rejoin(p, client, kek, d, state, lorawan.RejoinRequestType2, 0)))
	return results
}

type keys struct {
	nwkKey, appKey lorawan.AES128Key
	devEUI         lorawan.EUI64
	joinEUI        lorawan.EUI64
	netID          lorawan.NetID
	optNeg         bool
}

func deviceKeys(p plan, d device) (keys, error) {
	var k keys
	if err := k.devEUI.UnmarshalText([]byte(d.DevEUI)); err != nil {
		return k, err
	}
	if err := k.joinEUI.UnmarshalText([]byte(p.ReceiverID)); err != nil {
		return k, err
	}
	if err := k.netID.UnmarshalText([]byte(p.SenderID)); err != nil {
		return k, err
	}
	if err := k.nwkKey.UnmarshalText([]byte(d.NwkKey)); err != nil {
		return k, err
	}
	k.appKey = k.nwkKey
	if d.AppKey != "" {
		if err := k.appKey.UnmarshalText([]byte(d.AppKey)); err != nil {
			return k, err
		}
	}
	k.optNeg = d.MACVersion == "1.1"
	return k, nil
}

// The NS side of a join as chirpstack-network-server fills it: a new DevAddr per request, its DLSettings (OptNeg for
// a 1.1 device), RxDelay and an EU868 CFList.
func radioSettings(optNeg bool) (lorawan.DevAddr, lorawan.DLSettings, int, backend.HEXBytes, error) {
	var devAddr lorawan.DevAddr
	if _, err := rand.Read(devAddr[:]); err != nil {
		return devAddr, lorawan.DLSettings{}, 0, nil, err
	}
	cfList := lorawan.CFList{
		CFListType: lorawan.CFListChannel,
		Payload: &lorawan.CFListChannelPayload{
			Channels: [5]uint32{867100000, 867300000, 867500000, 867700000, 867900000},
		},
	}
	b, err := cfList.MarshalBinary()
	return devAddr, lorawan.DLSettings{OptNeg: optNeg, RX2DataRate: 3, RX1DROffset: 1}, 1, b, err
}

// joinRequestBody signs phy with micKey and wraps it in the body of a JoinReq (or, with the same fields, a RejoinReq:
// convert it with backend.RejoinReqPayload), with fresh radio settings.
func joinRequestBody(p plan, client backend.Client, t backend.MessageType, d device, devEUI lorawan.EUI64,
	phy lorawan.PHYPayload, micKey lorawan.AES128Key, optNeg bool) (backend.JoinReqPayload, error) {
	if err := phy.SetUplinkJoinMIC(micKey); err != nil {
		return backend.JoinReqPayload{}, err
	}
	phyBytes, err := phy.MarshalBinary()
	if err != nil {
		return backend.JoinReqPayload{}, err
	}
	devAddr, dlSettings, rxDelay, cfList, err := radioSettings(optNeg)
	if err != nil {
		return backend.JoinReqPayload{}, err
	}
	return backend.JoinReqPayload{
		BasePayload: backend.BasePayload{
			ProtocolVersion: backend.ProtocolVersion1_0,
			SenderID:        p.SenderID,
			ReceiverID:      p.ReceiverID,
			TransactionID:   client.GetRandomTransactionID(),
			MessageType:     t,
		},
		MACVersion: d.MACVersion,
		PHYPayload: phyBytes,
		DevEUI:     devEUI,
		DevAddr:    devAddr,
		DLSettings: dlSettings,
		RxDelay:    rxDelay,
		CFList:     cfList,
	}, nil
}

func join(p plan, client backend.Client, kek []byte, d device) (deviceState, error) {
	k, err := deviceKeys(p, d)
	if err != nil {
		return deviceState{}, err
	}
	devNonce := lorawan.DevNonce(d.DevNonce)
	phy := lorawan.PHYPayload{
		MHDR: lorawan.MHDR{MType: lorawan.JoinRequest, Major: lorawan.LoRaWANR1},
		MACPayload: &lorawan.JoinRequestPayload{
			JoinEUI:  k.joinEUI,
			DevEUI:   k.devEUI,
			DevNonce: devNonce,
		},
	}
	req, err := joinRequestBody(p, client, backend.JoinReq, d, k.devEUI, phy, k.nwkKey, k.optNeg)
	if err != nil {
		return deviceState{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ans, err := client.JoinReq(ctx, req)
	if err != nil {
		return deviceState{}, fmt.Errorf("JoinReq: %w", err)
	}
	if err := checkHeader(req.BasePayload, ans.BasePayloadResult, backend.JoinAns); err != nil {
		return deviceState{}, err
	}
	// The device's side: decrypt with NwkKey (AppKey in 1.0 terms), check the MIC (NwkKey in 1.0, JSIntKey in 1.1).
	micKey := k.nwkKey
	if k.optNeg {
		micKey = jsKey(0x06, k.devEUI, k.nwkKey)
	}
	ja, err := openAccept(ans.PHYPayload, k.nwkKey, lorawan.JoinRequestType, k.joinEUI, devNonce, micKey)
	if err != nil {
		return deviceState{}, err
	}
	if err := checkAcceptFields(ja, k.netID, req); err != nil {
		return deviceState{}, err
	}
	// The reference Join Server, same keys, same request, Joinery's JoinNonce.
	refBody, _ := json.Marshal(req)
	var ref backend.JoinAnsPayload
	if err := reference(k, int(ja.JoinNonce), kek, refBody, &ref); err != nil {
		return deviceState{}, err
	}
	if ref.Result.ResultCode != backend.Success {
		return deviceState{}, fmt.Errorf("reference join server: %s %s", ref.Result.ResultCode, ref.Result.Description)
	}
	if !bytes.Equal(ans.PHYPayload, ref.PHYPayload) {
		return deviceState{}, fmt.Errorf("join-accept differs from the reference: %X vs %X", []byte(ans.PHYPayload), []byte(ref.PHYPayload))
	}
	sNwkSIntKey, err := compareKeys(p.KEK.Label, kek, k.optNeg,
		sessionKeys{ans.NwkSKey, ans.FNwkSIntKey, ans.SNwkSIntKey, ans.NwkSEncKey, ans.AppSKey},
		sessionKeys{ref.NwkSKey, ref.FNwkSIntKey, ref.SNwkSIntKey, ref.NwkSEncKey, ref.AppSKey})
	if err != nil {
		return deviceState{}, err
	}
	return deviceState{sNwkSIntKey: sNwkSIntKey}, nil
}

func rejoin(p plan, client backend.Client, kek []byte, d device, state deviceState, rejoinType lorawan.JoinType, rjCount0 uint16) error {
	k, err := deviceKeys(p, d)
	if err != nil {
		return err
	}
	phy := lorawan.PHYPayload{
		MHDR: lorawan.MHDR{MType: lorawan.RejoinRequest, Major: lorawan.LoRaWANR1},
		MACPayload: &lorawan.RejoinRequestType02Payload{
			RejoinType: rejoinType,
			NetID:      k.netID,
			DevEUI:     k.devEUI,
			RJCount0:   rjCount0,
		},
	}
	// Type 0 and 2 rejoin-requests are signed with the session's SNwkSIntKey (checked by the NS, not the JS).
	body, err := joinRequestBody(p, client, backend.RejoinReq, d, k.devEUI, phy, state.sNwkSIntKey, true)
	if err != nil {
		return err
	}
	req := backend.RejoinReqPayload(body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ans, err := client.RejoinReq(ctx, req)
	if err != nil {
		return fmt.Errorf("RejoinReq: %w", err)
	}
	if err := checkHeader(req.BasePayload, ans.BasePayloadResult, backend.RejoinAns); err != nil {
		return err
	}
	// A rejoin's accept is encrypted with JSEncKey and signed with JSIntKey over JoinReqType | JoinEUI | RJcount0.
	ja, err := openAccept(ans.PHYPayload, jsKey(0x05, k.devEUI, k.nwkKey), rejoinType, k.joinEUI,
		lorawan.DevNonce(rjCount0), jsKey(0x06, k.devEUI, k.nwkKey))
	if err != nil {
		return err
	}
	if err := checkAcceptFields(ja, k.netID, body); err != nil {
		return err
	}
	refBody, _ := json.Marshal(req)
	var ref backend.RejoinAnsPayload
	if err := reference(k, int(ja.JoinNonce), kek, refBody, &ref); err != nil {
		return err
	}
	if ref.Result.ResultCode != backend.Success {
		return fmt.Errorf("reference join server: %s %s", ref.Result.ResultCode, ref.Result.Description)
	}
	if !bytes.Equal(ans.PHYPayload, ref.PHYPayload) {
		return fmt.Errorf("rejoin-accept differs from the reference: %X vs %X", []byte(ans.PHYPayload), []byte(ref.PHYPayload))
	}
	// The reference's rejoin path derives the session keys with the LoRaWAN 1.0 rules (its setSessionKeys reads the
	// OptNeg bit of the JoinReq it does not have), so the rejoin's keys are checked against the 1.1 derivation
	// (LoRaWAN 1.1 §6.2.2.1, with the library's own byte encodings) instead.
	devNonce := lorawan.DevNonce(rjCount0)
	_, err = compareKeys(p.KEK.Label, kek, true,
		sessionKeys{ans.NwkSKey, ans.FNwkSIntKey, ans.SNwkSIntKey, ans.NwkSEncKey, ans.AppSKey},
		sessionKeys{
			fNwkSIntKey: plain(sKey11(0x01, k.nwkKey, ja.JoinNonce, k.joinEUI, devNonce)),
			appSKey:     plain(sKey11(0x02, k.appKey, ja.JoinNonce, k.joinEUI, devNonce)),
			sNwkSIntKey: plain(sKey11(0x03, k.nwkKey, ja.JoinNonce, k.joinEUI, devNonce)),
			nwkSEncKey:  plain(sKey11(0x04, k.nwkKey, ja.JoinNonce, k.joinEUI, devNonce)),
		})
	return err
}

func plain(key lorawan.AES128Key) *backend.KeyEnvelope {
	return &backend.KeyEnvelope{AESKey: backend.HEXBytes(key[:])}
}

// sKey11 = aes128_encrypt(root key, type | JoinNonce | JoinEUI | DevNonce | pad16), the LoRaWAN 1.1 session keys.
func sKey11(t byte, root lorawan.AES128Key, joinNonce lorawan.JoinNonce, joinEUI lorawan.EUI64, devNonce lorawan.DevNonce) lorawan.AES128Key {
	var in, out lorawan.AES128Key
	in[0] = t
	jn, _ := joinNonce.MarshalBinary()
	je, _ := joinEUI.MarshalBinary()
	dn, _ := devNonce.MarshalBinary()
	copy(in[1:4], jn)
	copy(in[4:12], je)
	copy(in[12:14], dn)
	block, _ := aes.NewCipher(root[:])
	block.Encrypt(out[:], in[:])
	return out
}

func checkHeader(req backend.BasePayload, ans backend.BasePayloadResult, messageType backend.MessageType) error {
	if ans.MessageType != messageType || ans.SenderID != req.ReceiverID || ans.ReceiverID != req.SenderID ||
		ans.TransactionID != req.TransactionID || ans.ProtocolVersion != req.ProtocolVersion {
		return fmt.Errorf("answer header %+v does not answer %+v", ans.BasePayload, req)
	}
	if ans.Result.ResultCode != backend.Success {
		return fmt.Errorf("result %s", ans.Result.ResultCode)
	}
	return nil
}

// openAccept decodes, checks the MIC of and decrypts a join-accept with the library, as the device does.
func openAccept(b []byte, encKey lorawan.AES128Key, joinType lorawan.JoinType, joinEUI lorawan.EUI64,
	devNonce lorawan.DevNonce, micKey lorawan.AES128Key) (*lorawan.JoinAcceptPayload, error) {
	var phy lorawan.PHYPayload
	if err := phy.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("join-accept: %w", err)
	}
	if phy.MHDR.MType != lorawan.JoinAccept || phy.MHDR.Major != lorawan.LoRaWANR1 {
		return nil, fmt.Errorf("join-accept MHDR %+v", phy.MHDR)
	}
	if err := phy.DecryptJoinAcceptPayload(encKey); err != nil {
		return nil, fmt.Errorf("join-accept decrypt: %w", err)
	}
	ok, err := phy.ValidateDownlinkJoinMIC(joinType, joinEUI, devNonce, micKey)
	if err != nil {
		return nil, fmt.Errorf("join-accept MIC: %w", err)
	}
	if !ok {
		return nil, errors.New("join-accept MIC invalid")
	}
	ja, isAccept := phy.MACPayload.(*lorawan.JoinAcceptPayload)
	if !isAccept {
		return nil, fmt.Errorf("join-accept payload %T", phy.MACPayload)
	}
	return ja, nil
}

// checkAcceptFields checks that the accept carries the NS's NetID and the radio settings the request asked for.
func checkAcceptFields(ja *lorawan.JoinAcceptPayload, netID lorawan.NetID, req backend.JoinReqPayload) error {
	devAddr, dl, rxDelay, cfList := req.DevAddr, req.DLSettings, req.RxDelay, req.CFList
	if ja.HomeNetID != netID || ja.DevAddr != devAddr || ja.DLSettings != dl || int(ja.RXDelay) != rxDelay {
		return fmt.Errorf("join-accept fields %+v, want NetID %s DevAddr %s DLSettings %+v RxDelay %d",
			*ja, netID, devAddr, dl, rxDelay)
	}
	if ja.CFList == nil {
		return errors.New("join-accept without the CFList")
	}
	got, err := ja.CFList.MarshalBinary()
	if err != nil || !bytes.Equal(got, cfList) {
		return fmt.Errorf("join-accept CFList %X, want %X", got, []byte(cfList))
	}
	return nil
}

// reference answers the same request with github.com/brocaar/lorawan/backend/joinserver: the same root keys, the
// JoinNonce Joinery used, the NS's KEK (that package looks the KEK up by the SenderID) and the AppSKey in the clear.
func reference(k keys, joinNonce int, kek []byte, body []byte, out interface{}) error {
	handler, err := joinserver.NewHandler(joinserver.HandlerConfig{
		GetDeviceKeysByDevEUIFunc: func(devEUI lorawan.EUI64) (joinserver.DeviceKeys, error) {
			if devEUI != k.devEUI {
				return joinserver.DeviceKeys{}, joinserver.ErrDevEUINotFound
			}
			return joinserver.DeviceKeys{DevEUI: devEUI, NwkKey: k.nwkKey, AppKey: k.appKey, JoinNonce: joinNonce}, nil
		},
		GetKEKByLabelFunc: func(label string) ([]byte, error) {
			if label == "" {
				return nil, nil
			}
			return kek, nil
		},
		GetASKEKLabelByDevEUIFunc: func(lorawan.EUI64) (string, error) { return "", nil },
		GetHomeNetIDByDevEUIFunc:  func(lorawan.EUI64) (lorawan.NetID, error) { return k.netID, nil },
	})
	if err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body)))
	if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
		return fmt.Errorf("reference join server answer: %w", err)
	}
	return nil
}

type sessionKeys struct {
	nwkSKey, fNwkSIntKey, sNwkSIntKey, nwkSEncKey, appSKey *backend.KeyEnvelope
}

// open is what chirpstack-network-server does with a KeyEnvelope: a KEKLabel means AES key wrap with that KEK.
func open(name, label string, kek []byte, env *backend.KeyEnvelope, wantLabel bool) (lorawan.AES128Key, error) {
	var key lorawan.AES128Key
	if env == nil {
		return key, fmt.Errorf("%s missing", name)
	}
	if env.KEKLabel == "" {
		if wantLabel {
			return key, fmt.Errorf("%s not wrapped", name)
		}
		if len(env.AESKey) != len(key) {
			return key, fmt.Errorf("%s: %d bytes", name, len(env.AESKey))
		}
		copy(key[:], env.AESKey)
		return key, nil
	}
	if label != "" && env.KEKLabel != label {
		return key, fmt.Errorf("%s wrapped with KEK %q, want %q", name, env.KEKLabel, label)
	}
	key, err := env.Unwrap(kek)
	if err != nil {
		return key, fmt.Errorf("%s: %w", name, err)
	}
	return key, nil
}

// compareKeys unwraps Joinery's session keys with the NS KEK and the reference's, and compares them; it returns the
// SNwkSIntKey (the NwkSKey in 1.0).
func compareKeys(label string, kek []byte, optNeg bool, got, want sessionKeys) (lorawan.AES128Key, error) {
	type pair struct {
		name      string
		got, want *backend.KeyEnvelope
		wrapped   bool
	}
	pairs := []pair{{"AppSKey", got.appSKey, want.appSKey, false}}
	if optNeg {
		pairs = append(pairs, pair{"FNwkSIntKey", got.fNwkSIntKey, want.fNwkSIntKey, true},
			pair{"SNwkSIntKey", got.sNwkSIntKey, want.sNwkSIntKey, true},
			pair{"NwkSEncKey", got.nwkSEncKey, want.nwkSEncKey, true})
		if got.nwkSKey != nil {
			return lorawan.AES128Key{}, errors.New("NwkSKey sent for a 1.1 session")
		}
	} else {
		pairs = append(pairs, pair{"NwkSKey", got.nwkSKey, want.nwkSKey, true})
		if got.fNwkSIntKey != nil || got.sNwkSIntKey != nil || got.nwkSEncKey != nil {
			return lorawan.AES128Key{}, errors.New("1.1 session keys sent for a 1.0 session")
		}
	}
	var sNwkSIntKey lorawan.AES128Key
	for _, p := range pairs {
		g, err := open(p.name, label, kek, p.got, p.wrapped)
		if err != nil {
			return sNwkSIntKey, err
		}
		w, err := open(p.name+" (reference)", "", kek, p.want, false)
		if err != nil {
			return sNwkSIntKey, err
		}
		if g != w {
			return sNwkSIntKey, fmt.Errorf("%s differs from the reference", p.name)
		}
		if p.name == "SNwkSIntKey" || p.name == "NwkSKey" {
			sNwkSIntKey = g
		}
	}
	return sNwkSIntKey, nil
}

// jsKey is JSEncKey (0x05) or JSIntKey (0x06) = aes128_encrypt(NwkKey, type | DevEUI | pad16) (LoRaWAN 1.1 §6.1.1.3);
// the library keeps its own derivation unexported.
func jsKey(t byte, devEUI lorawan.EUI64, nwkKey lorawan.AES128Key) lorawan.AES128Key {
	var in, out lorawan.AES128Key
	in[0] = t
	b, _ := devEUI.MarshalBinary() // little endian, as on the air
	copy(in[1:9], b)
	block, _ := aes.NewCipher(nwkKey[:])
	block.Encrypt(out[:], in[:])
	return out
}

// genCert writes ca.pem, server.pem and server-key.pem: a CA of its own and a server certificate for 127.0.0.1.
func genCert(dir string) error {
	ca, err := loopbackpki.NewCA("ChirpStack v3 interop test CA")
	if err != nil {
		return err
	}
	server, err := ca.Server()
	if err != nil {
		return err
	}
	return ca.WriteFiles(dir, map[string]tls.Certificate{"server": server})
}
