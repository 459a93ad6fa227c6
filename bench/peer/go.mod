module github.com/joinery/joinery/bench/peer

go 1.22

require (
	github.com/brocaar/lorawan v0.0.0-20230609081225-559f55342122
	github.com/go-redis/redis/v8 v8.8.3
	github.com/sirupsen/logrus v1.7.0
	joinery.test/loopbackpki v0.0.0
)

// The loopback PKI the Go stand-ins share (test/e2e/interop's ChirpStack v3 client too), from this repository.
replace joinery.test/loopbackpki => ../../test/e2e/interop/loopbackpki

require (
	github.com/NickBall/go-aes-key-wrap v0.0.0-20170929221519-1c3aa3e4dfc5 // indirect
	github.com/cespare/xxhash/v2 v2.1.1 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/jacobsa/crypto v0.0.0-20190317225127-9f44e2d11115 // indirect
	github.com/pkg/errors v0.9.1 // indirect
	go.opentelemetry.io/otel v0.20.0 // indirect
	go.opentelemetry.io/otel/metric v0.20.0 // indirect
	go.opentelemetry.io/otel/trace v0.20.0 // indirect
	golang.org/x/sys v0.0.0-20210124154548-22da62e12c0c // indirect
)
