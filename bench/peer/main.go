// Command peer serves ChirpStack v3's Join Server for the side-by-side benchmark (bench/ratios): the
// backend/joinserver http.Handler of github.com/brocaar/lorawan (the handler chirpstack-application-server serves on
// its join_server.bind), configured as chirpstack-application-server's internal/api/js configures it, with the
// device keys and JoinNonce in Redis instead of PostgreSQL (the same Redis as Joinery's distributed mode).
//
//	peer -listen 127.0.0.1:0 -redis redis://127.0.0.1:6379/13 -certs DIR -ns-kek LABEL=HEX -as-kek LABEL=HEX
//
// Like chirpstack-application-server with join_server.ca_cert, tls_cert and tls_key set, it serves HTTPS and
// requires a client certificate signed by its CA: it writes a CA of its own, and a client certificate for the load
// generator, to DIR (ca.pem, client.pem, client-key.pem). It prints one line, `listening on PORT`, when ready.
//
// Device keys: a hash per device at peer:device-keys:<deveui, lower-case hex> with fields nwk_key, app_key (hex) and
// join_nonce, written by the benchmark before it starts. Per JoinReq, as chirpstack-application-server's
// GetDeviceKeysByDevEUIFunc does (storage.GetDeviceKeys, JoinNonce + 1, storage.UpdateDeviceKeys): one read, one
// write. Its log level is warn, as Joinery's services run in the benchmark.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brocaar/lorawan"
	"github.com/brocaar/lorawan/backend/joinserver"
	"github.com/go-redis/redis/v8"
	log "github.com/sirupsen/logrus"
	"joinery.test/loopbackpki"
)

type kekFlag struct{ label, key string }

func (k *kekFlag) String() string { return k.label }
func (k *kekFlag) Set(v string) error {
	label, key, ok := strings.Cut(v, "=")
	if !ok {
		return errors.New("want LABEL=HEX")
	}
	if _, err := hex.DecodeString(key); err != nil {
		return err
	}
	k.label, k.key = label, key
	return nil
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve the Join Server API on")
	redisURL := flag.String("redis", "", "Redis URL of the device keys (redis://host:port/db)")
	certs := flag.String("certs", "", "directory to write ca.pem, client.pem and client-key.pem to")
	var nsKEK, asKEK kekFlag
	flag.Var(&nsKEK, "ns-kek", "the NS's KEK (join_server.kek.set): LABEL=HEX, LABEL being the NS's NetID")
	flag.Var(&asKEK, "as-kek", "the AS KEK (join_server.kek.as_kek_label and its set entry): LABEL=HEX")
	flag.Parse()
	if *redisURL == "" || *certs == "" {
		fail(errors.New("-redis and -certs are required"))
	}
	opts, err := redis.ParseURL(*redisURL)
	if err != nil {
		fail(err)
	}
	rdb := redis.NewClient(opts)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		fail(fmt.Errorf("redis: %w", err))
	}
	keks := []kekFlag{nsKEK, asKEK}

	logger := log.New()
	logger.SetLevel(log.WarnLevel)
	handler, err := joinserver.NewHandler(joinserver.HandlerConfig{
		Logger: logger,
		GetDeviceKeysByDevEUIFunc: func(devEUI lorawan.EUI64) (joinserver.DeviceKeys, error) {
			ctx := context.TODO()
			key := "peer:device-keys:" + devEUI.String()
			v, err := rdb.HMGet(ctx, key, "nwk_key", "app_key", "join_nonce").Result()
			if err != nil {
				return joinserver.DeviceKeys{}, fmt.Errorf("get device-keys error: %w", err)
			}
			if v[0] == nil {
				return joinserver.DeviceKeys{}, joinserver.ErrDevEUINotFound
			}
			dk := joinserver.DeviceKeys{DevEUI: devEUI}
			if err := dk.NwkKey.UnmarshalText([]byte(v[0].(string))); err != nil {
				return joinserver.DeviceKeys{}, err
			}
			if err := dk.AppKey.UnmarshalText([]byte(v[1].(string))); err != nil {
				return joinserver.DeviceKeys{}, err
			}
			if dk.JoinNonce, err = strconv.Atoi(v[2].(string)); err != nil {
				return joinserver.DeviceKeys{}, err
			}
			if dk.JoinNonce == (1<<24)-1 {
				return joinserver.DeviceKeys{}, errors.New("join-nonce overflow")
			}
			dk.JoinNonce++
			if err := rdb.HSet(ctx, key, "join_nonce", dk.JoinNonce).Err(); err != nil {
				return joinserver.DeviceKeys{}, fmt.Errorf("update device-keys error: %w", err)
			}
			return dk, nil
		},
		GetKEKByLabelFunc: func(label string) ([]byte, error) {
			for _, k := range keks {
				if k.label == label {
					return hex.DecodeString(k.key)
				}
			}
			return nil, nil
		},
		GetASKEKLabelByDevEUIFunc: func(lorawan.EUI64) (string, error) { return asKEK.label, nil },
	})
	if err != nil {
		fail(err)
	}

	serverCert, clientCAs, err := writeCerts(*certs)
	if err != nil {
		fail(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fail(err)
	}
	server := &http.Server{
		Handler: handler,
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{serverCert},
			ClientCAs:    clientCAs,
			ClientAuth:   tls.RequireAndVerifyClientCert,
		},
	}
	fmt.Printf("listening on %d\n", ln.Addr().(*net.TCPAddr).Port)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = server.Shutdown(ctx)
	}()
	if err := server.ServeTLS(ln, "", ""); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peer:", err)
	os.Exit(2)
}

// writeCerts makes a CA, a server certificate for 127.0.0.1 and a client certificate (for the load generator), and
// writes the CA and the client's certificate and key to dir.
func writeCerts(dir string) (tls.Certificate, *x509.CertPool, error) {
	ca, err := loopbackpki.NewCA("bench peer CA")
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	server, err := ca.Server()
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	client, err := ca.Client("000013")
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	if err := ca.WriteFiles(dir, map[string]tls.Certificate{"client": client}); err != nil {
		return tls.Certificate{}, nil, err
	}
	return server, ca.Pool(), nil
}
