// Command loadgen is the load generator of Joinery's benchmarks: a network server sending precomputed JoinReqs over
// mTLS keep-alive (HTTP/1.1 or HTTP/2), or a gRPC client sending precomputed HandleJoin requests, at a fixed offered
// rate (open loop) or with a fixed number of requests in flight (closed loop).
//
// It exists because a generator written in Node costs about as much CPU per request as the server it measures, and
// on a two-core machine that CPU is taken from the server. The benchmarks (bench/*/…bench.ts) build the requests,
// write them to a file, run this program for each phase and read its one-line JSON report. It does no LoRaWAN work:
// every request is used once, in file order, and every answer is checked.
//
//	loadgen -mode http -url https://127.0.0.1:1700/ -cert ns.pem -key ns.key -ca ca.pem -requests reqs.bin \
//	        -rate 1000 -duration 10s
//	loadgen -mode grpc -target 127.0.0.1:9001 -method /joinery.keys.v1.KeysService/HandleJoin \
//	        -requests reqs.bin -closed 64 -duration 10s [-mux]
//
// The requests file is a sequence of records, each a 4-byte big-endian length and that many bytes (a JSON body, or
// a serialized protobuf message).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"google.golang.org/grpc"
	grpcCodes "google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

// Report is the one line of JSON printed at the end of a phase. Latencies are in milliseconds: in an open loop from
// the time the request was scheduled (so the generator's own delays count against the server, no coordinated
// omission), in a closed loop from the time it was sent.
type Report struct {
	Sent     int            `json:"sent"`
	OK       int            `json:"ok"`
	Failures map[string]int `json:"failures"`
	// Achieved is successful answers per second, over the time from the first send to the last answer.
	Achieved   float64 `json:"achieved"`
	ElapsedS   float64 `json:"elapsedS"`
	P50        float64 `json:"p50"`
	P99        float64 `json:"p99"`
	P999       float64 `json:"p999"`
	Max        float64 `json:"max"`
	SendLagP99 float64 `json:"sendLagP99"`
	// CPUMs is the CPU (user + system) this process spent during the phase, in milliseconds.
	CPUMs float64 `json:"cpuMs"`

	timeline []byte
}

// sender sends request number i (its body) and returns "" for an answer that passed every check, else the failure.
type sender func(ctx context.Context, i int, body []byte) (failure string)

var resultCode = regexp.MustCompile(`"ResultCode"\s*:\s*"([^"]*)"`)

func main() {
	mode := flag.String("mode", "http", "http (Backend Interfaces over TLS) or grpc (plaintext, on loopback)")
	requestsFile := flag.String("requests", "", "file of length-prefixed requests, used once each, in order")
	rate := flag.Float64("rate", 0, "open loop: offered requests per second")
	closed := flag.Int("closed", 0, "closed loop: requests in flight")
	duration := flag.Duration("duration", 10*time.Second, "how long to send")
	timeout := flag.Duration("timeout", 30*time.Second, "per-request timeout")
	url := flag.String("url", "", "http: the gateway's URL")
	certFile := flag.String("cert", "", "http: client certificate (PEM)")
	keyFile := flag.String("key", "", "http: client key (PEM)")
	caFile := flag.String("ca", "", "http: CA certificate that signed the server's certificate (PEM)")
	bearer := flag.String("bearer", "", "http: a bearer token instead of (or beside) the client certificate")
	conns := flag.Int("conns", 64, "http: most connections (HTTP/1.1 keep-alive) to the gateway")
	h2 := flag.Bool("h2", false, "http: HTTP/2 through ALPN instead of HTTP/1.1")
	expect := flag.String("expect", "Success", "http: the ResultCode every answer must have")
	target := flag.String("target", "", "grpc: host:port")
	method := flag.String("method", "", "grpc: full method name, /package.Service/Method")
	mux := flag.Bool("mux", false, "grpc: send the calls as messages on one joinery.rpc.v1.MuxService/Call stream, as Joinery's services call each other, instead of one HTTP/2 stream per call")
	cold := flag.Bool("cold", false, "http: do not open the connections before the phase starts (each request that finds none idle dials one)")
	verify := flag.String("verify", "", "http: file of length-prefixed 16-byte LoRaWAN 1.0.x root keys (NwkKey), one per request in the same order: every Success answer's join-accept PHYPayload is decrypted and its MIC verified with that request's key")
	timeline := flag.String("timeline", "", "also write each answer as 'sent_ms latency_ms failure' to this file (sent_ms from the phase start: the scheduled time in an open loop, the actual send in a closed loop)")
	flag.Parse()

	if (*rate > 0) == (*closed > 0) {
		fail(errors.New("give exactly one of -rate and -closed"))
	}
	requests, err := readRequests(*requestsFile)
	if err != nil {
		fail(err)
	}
	var send sender
	switch *mode {
	case "http":
		var client *http.Client
		var keys [][]byte
		if *verify != "" {
			if keys, err = readRequests(*verify); err == nil && len(keys) != len(requests) {
				err = fmt.Errorf("%s: %d keys for %d requests", *verify, len(keys), len(requests))
			}
		}
		if err == nil {
			send, client, err = httpSender(*url, *certFile, *keyFile, *caFile, *bearer, *conns, *h2, *expect, keys)
		}
		if err == nil && !*cold {
			// An NS keeps its connections (the gateway allows 120 s idle): open them all before the clock starts, so
			// that a phase measures joins, not a burst of TLS handshakes at its start.
			n := *conns
			if *h2 {
				n = 1
			}
			err = preconnect(client, *url, n)
		}
	case "grpc":
		if *mux {
			send, err = muxSender(*target, *method, *timeout)
		} else {
			send, err = grpcSender(*target, *method)
		}
	default:
		err = fmt.Errorf("unknown -mode %q", *mode)
	}
	if err != nil {
		fail(err)
	}
	var report Report
	if *rate > 0 {
		report = openLoop(send, requests, *rate, *duration, *timeout, *timeline != "")
	} else {
		report = closedLoop(send, requests, *closed, *duration, *timeout, *timeline != "")
	}
	if *timeline != "" {
		if err := os.WriteFile(*timeline, report.timeline, 0o600); err != nil {
			fail(err)
		}
	}
	if err := json.NewEncoder(os.Stdout).Encode(report); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(2)
}

func readRequests(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReader(f)
	var out [][]byte
	var size [4]byte
	for {
		if _, err := io.ReadFull(r, size[:]); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, fmt.Errorf("%s: truncated record header: %w", path, err)
		}
		record := make([]byte, binary.BigEndian.Uint32(size[:]))
		if _, err := io.ReadFull(r, record); err != nil {
			return nil, fmt.Errorf("%s: truncated record: %w", path, err)
		}
		out = append(out, record)
	}
}

func httpSender(url, certFile, keyFile, caFile, bearer string, conns int, h2 bool, expect string, keys [][]byte) (sender, *http.Client, error) {
	if url == "" {
		return nil, nil, errors.New("-url is required with -mode http")
	}
	config := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, nil, err
		}
		config.RootCAs = x509.NewCertPool()
		if !config.RootCAs.AppendCertsFromPEM(pem) {
			return nil, nil, fmt.Errorf("%s: no certificate", caFile)
		}
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, nil, err
		}
		config.Certificates = []tls.Certificate{cert}
	}
	transport := &http.Transport{
		TLSClientConfig:     config,
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     5 * time.Minute,
		ForceAttemptHTTP2:   h2,
	}
	if !h2 {
		// A non-nil empty map turns HTTP/2 off: the NS speaks HTTP/1.1 with keep-alive.
		transport.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	client := &http.Client{Transport: transport}
	return func(ctx context.Context, i int, body []byte) string {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err.Error()
		}
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		res, err := client.Do(req)
		if err != nil {
			return "transport error"
		}
		answer, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			return "transport error"
		}
		if res.StatusCode != http.StatusOK {
			return fmt.Sprintf("HTTP %d", res.StatusCode)
		}
		m := resultCode.FindSubmatch(answer)
		if m == nil {
			return "no ResultCode"
		}
		if string(m[1]) != expect {
			return string(m[1])
		}
		if keys != nil && expect == "Success" {
			return verifyJoinAccept(answer, keys[i])
		}
		return ""
	}, client, nil
}

// preconnect opens n distinct keep-alive connections with GET requests (any answer will do): every response is held
// unread until all n have arrived, so that no request can reuse another's connection.
func preconnect(client *http.Client, url string, n int) error {
	var arrived, done sync.WaitGroup
	arrived.Add(n)
	done.Add(n)
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() {
			defer done.Done()
			res, err := client.Get(url)
			arrived.Done()
			if err != nil {
				errs <- err
				return
			}
			arrived.Wait()
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}()
	}
	done.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("opening %d connections: %w", n, err)
	}
	return nil
}

// rawCodec passes serialized messages through: the requests are protobuf bytes built by the benchmark, and the
// answers are only counted, not decoded.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.Codec = rawCodec{}

// dialRaw opens a plaintext client connection whose calls pass their bytes through unchanged (rawCodec).
func dialRaw(target, method string) (*grpc.ClientConn, error) {
	if target == "" || method == "" {
		return nil, errors.New("-target and -method are required with -mode grpc")
	}
	return grpc.NewClient(target,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
}

func grpcSender(target, method string) (sender, error) {
	conn, err := dialRaw(target, method)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, _ int, body []byte) string {
		var answer []byte
		if err := conn.Invoke(ctx, method, &body, &answer); err != nil {
			return status.Code(err).String()
		}
		if len(answer) == 0 {
			return "empty answer"
		}
		return ""
	}, nil
}

const muxMethod = "/joinery.rpc.v1.MuxService/Call"

// muxSender sends each request as a CallRequest (proto/joinery/rpc/v1/mux.proto) on one long-lived bidirectional
// stream and matches the CallResponses by id. A CallResponse's status is the call's gRPC code.
func muxSender(target, method string, timeout time.Duration) (sender, error) {
	conn, err := dialRaw(target, method)
	if err != nil {
		return nil, err
	}
	stream, err := conn.NewStream(context.Background(),
		&grpc.StreamDesc{StreamName: "Call", ServerStreams: true, ClientStreams: true}, muxMethod)
	if err != nil {
		return nil, err
	}
	var (
		mu      sync.Mutex // SendMsg must not be called concurrently; guards pending and broken too
		pending = map[uint32]chan string{}
		nextID  uint32
		broken  string
	)
	go func() {
		for {
			var frame []byte
			if err := stream.RecvMsg(&frame); err != nil {
				mu.Lock()
				broken = "stream " + status.Code(err).String()
				for id, ch := range pending {
					ch <- broken
					delete(pending, id)
				}
				mu.Unlock()
				return
			}
			id, code, ok := parseCallResponse(frame)
			mu.Lock()
			ch := pending[id]
			delete(pending, id)
			mu.Unlock()
			switch {
			case ch == nil:
			case !ok:
				ch <- "undecodable CallResponse"
			case code != 0:
				ch <- codes(code)
			default:
				ch <- ""
			}
		}
	}()
	timeoutMs := uint64(timeout.Milliseconds())
	return func(ctx context.Context, _ int, body []byte) string {
		answer := make(chan string, 1)
		mu.Lock()
		if broken != "" {
			mu.Unlock()
			return broken
		}
		nextID++
		id := nextID
		pending[id] = answer
		frame := protowire.AppendTag(nil, 1, protowire.VarintType)
		frame = protowire.AppendVarint(frame, uint64(id))
		frame = protowire.AppendTag(frame, 2, protowire.BytesType)
		frame = protowire.AppendString(frame, method)
		frame = protowire.AppendTag(frame, 3, protowire.BytesType)
		frame = protowire.AppendBytes(frame, body)
		frame = protowire.AppendTag(frame, 4, protowire.VarintType)
		frame = protowire.AppendVarint(frame, timeoutMs)
		err := stream.SendMsg(&frame)
		if err != nil {
			delete(pending, id)
		}
		mu.Unlock()
		if err != nil {
			return "transport error"
		}
		select {
		case failure := <-answer:
			return failure
		case <-ctx.Done():
			mu.Lock()
			delete(pending, id)
			mu.Unlock()
			return "DeadlineExceeded"
		}
	}, nil
}

// parseCallResponse reads the id (field 1) and status (field 3) of a CallResponse.
func parseCallResponse(b []byte) (id uint32, code uint64, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, 0, false
		}
		b = b[n:]
		if typ == protowire.VarintType && (num == 1 || num == 3) {
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return 0, 0, false
			}
			if num == 1 {
				id = uint32(v)
			} else {
				code = v
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return 0, 0, false
		}
		b = b[m:]
	}
	return id, code, true
}

func codes(code uint64) string {
	return grpcCodes.Code(uint32(code)).String()
}

func cpuMs() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return 0
	}
	return float64(u.Utime.Nano()+u.Stime.Nano()) / 1e6
}

type tally struct {
	mu        sync.Mutex
	start     time.Time
	ok        int
	failures  map[string]int
	latencies []float64
	lastDone  time.Time
	// keepTimeline: record every answer (only with -timeline; formatting costs CPU that is reported as ours).
	keepTimeline bool
	timeline     bytes.Buffer
}

func (t *tally) record(failure string, latency time.Duration, done time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keepTimeline {
		fmt.Fprintf(&t.timeline, "%.3f %.3f %s\n", float64(done.Add(-latency).Sub(t.start))/1e6, float64(latency)/1e6, failure)
	}
	if failure == "" {
		t.ok++
	} else {
		t.failures[failure]++
	}
	t.latencies = append(t.latencies, float64(latency)/float64(time.Millisecond))
	if done.After(t.lastDone) {
		t.lastDone = done
	}
}

func (t *tally) report(sent int, start time.Time, cpu float64, lags []float64) Report {
	slices.Sort(t.latencies)
	slices.Sort(lags)
	elapsed := t.lastDone.Sub(start).Seconds()
	r := Report{
		Sent:       sent,
		OK:         t.ok,
		Failures:   t.failures,
		ElapsedS:   elapsed,
		P50:        percentile(t.latencies, 50),
		P99:        percentile(t.latencies, 99),
		P999:       percentile(t.latencies, 99.9),
		Max:        percentile(t.latencies, 100),
		SendLagP99: percentile(lags, 99),
		CPUMs:      cpu,
	}
	if elapsed > 0 {
		r.Achieved = float64(t.ok) / elapsed
	}
	r.timeline = t.timeline.Bytes()
	return r
}

// percentile is the nearest-rank value of sorted (the same rule as the TypeScript benches); -1 when empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return -1
	}
	i := int(float64(len(sorted)) * p / 100)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func openLoop(send sender, requests [][]byte, rate float64, duration, timeout time.Duration, keepTimeline bool) Report {
	total := int(rate * duration.Seconds())
	if total > len(requests) {
		fail(fmt.Errorf("%d requests needed for %v at %v/s, the file has %d", total, duration, rate, len(requests)))
	}
	t := &tally{failures: map[string]int{}, latencies: make([]float64, 0, total), keepTimeline: keepTimeline}
	lags := make([]float64, 0, total)
	cpu0 := cpuMs()
	start := time.Now().Add(20 * time.Millisecond)
	t.start = start
	var wg sync.WaitGroup
	for i := 0; i < total; i++ {
		scheduled := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		lags = append(lags, float64(time.Since(scheduled))/float64(time.Millisecond))
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			failure := send(ctx, i, requests[i])
			cancel()
			done := time.Now()
			t.record(failure, done.Sub(scheduled), done)
		}(i)
	}
	wg.Wait()
	return t.report(total, start, cpuMs()-cpu0, lags)
}

func closedLoop(send sender, requests [][]byte, inFlight int, duration, timeout time.Duration, keepTimeline bool) Report {
	t := &tally{failures: map[string]int{}, keepTimeline: keepTimeline}
	var next atomic.Int64
	cpu0 := cpuMs()
	start := time.Now()
	t.start = start
	end := start.Add(duration)
	var wg sync.WaitGroup
	for w := 0; w < inFlight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				i := int(next.Add(1) - 1)
				if i >= len(requests) {
					fail(fmt.Errorf("ran out of requests after %d: write more to the file", len(requests)))
				}
				sent := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				failure := send(ctx, i, requests[i])
				cancel()
				done := time.Now()
				t.record(failure, done.Sub(sent), done)
			}
		}()
	}
	wg.Wait()
	sent := int(next.Load())
	if sent > len(requests) {
		sent = len(requests)
	}
	return t.report(sent, start, cpuMs()-cpu0, nil)
}
