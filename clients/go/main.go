// The Go client of the go-default-transport scenario: the mistakes of the original write-up about
// Go's net/http, and their fixes, under the same load as the lab's Node clients.
//
// Usage: timewait-client -mode no-close|close-unread|default-transport|tuned -url URL -requests N
//
//	-concurrency N [-pattern steady|bursts|rate] [-burst-gap-ms N] [-gap-spread-ms N] [-rate N]
//
// Under -pattern rate (the open model) request i starts at i / rate seconds, answered or not, and
// -concurrency caps the requests in flight: one whose time comes at the cap is dropped, counted.
// It prints one JSON object per line on stdout, as harness/load/program-client.ts reads them
// (harness/shapes/client-protocol.ts): progress at 250 ms and then every second (FIRST_PROGRESS_MS,
// PROGRESS_EVERY_MS), then the outcome. Standard library only, so it builds offline.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The four clients, one function each, all of one shape so that the scenario can show each next to
// its fix, as written here: it makes the client, and returns what sends one GET.

// noClose neither reads nor closes the body: the connection can never go back to the pool and stays
// open (with two goroutines) until the process exits.
func noClose(concurrency int) func(url string) (int, error) {
	client := http.DefaultClient
	return func(url string) (int, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
}

// closeUnread closes the body without reading it: the transport cannot reuse a connection with
// unread data, so it closes it.
func closeUnread(concurrency int) func(url string) (int, error) {
	client := http.DefaultClient
	return func(url string) (int, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
}

// defaultTransport reads the body to the end and closes it, through http.DefaultTransport, which
// keeps at most DefaultMaxIdleConnsPerHost = 2 idle connections per host.
func defaultTransport(concurrency int) func(url string) (int, error) {
	client := http.DefaultClient
	return func(url string) (int, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err
	}
}

// tuned reads the body to the end and closes it, through a Transport that keeps as many idle
// connections as there are requests in flight.
func tuned(concurrency int) func(url string) (int, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = concurrency
	transport.MaxIdleConnsPerHost = concurrency
	client := &http.Client{Transport: transport}
	return func(url string) (int, error) {
		resp, err := client.Get(url)
		if err != nil {
			return 0, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, err
	}
}

type failure struct {
	Request int     `json:"request"`
	TMs     float64 `json:"tMs"`
	Code    string  `json:"code"`
}

// rateOutcome is what a load under a rate kept up.
type rateOutcome struct {
	AskedPerSec    float64 `json:"askedPerSec"`
	AchievedPerSec float64 `json:"achievedPerSec"`
	Dropped        int64   `json:"dropped"`
	PeakInFlight   int     `json:"peakInFlight"`
}

type outcome struct {
	Type         string             `json:"type"`
	Ok           int                `json:"ok"`
	Failed       int                `json:"failed"`
	ErrorsByCode map[string]int     `json:"errorsByCode"`
	FirstFailure *failure           `json:"firstFailure"`
	DurationMs   float64            `json:"durationMs"`
	LatencyMs    map[string]float64 `json:"latencyMs"`
	// Under a rate only: latencyMs then runs from each request's scheduled start, serviceTimeMs from its send.
	Rate          *rateOutcome       `json:"rate,omitempty"`
	ServiceTimeMs map[string]float64 `json:"serviceTimeMs,omitempty"`
}

var errnoNames = map[syscall.Errno]string{
	syscall.ECONNRESET:    "ECONNRESET",
	syscall.ECONNREFUSED:  "ECONNREFUSED",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL",
	syscall.EPIPE:         "EPIPE",
	syscall.ETIMEDOUT:     "ETIMEDOUT",
	syscall.EMFILE:        "EMFILE",
}

// errorCode names a failure the way Node does (ECONNRESET, ...), so results compare across clients.
func errorCode(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		if name, ok := errnoNames[errno]; ok {
			return name
		}
		return fmt.Sprintf("ERRNO_%d", int(errno))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "EOF"
	}
	return "UNKNOWN"
}

type recorder struct {
	mu        sync.Mutex
	start     time.Time
	latencies []float64
	service   []float64
	result    outcome
	done      atomic.Int64
	failed    atomic.Int64
	// Under a rate: requests started, and those dropped at the cap.
	started atomic.Int64
	dropped atomic.Int64
}

// record counts one answered or failed request: its latency (from its scheduled start under a
// rate) and its service time (from its send).
func (r *recorder) record(number int, latency, service time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done.Add(1)
	if err == nil && status >= 200 && status < 400 {
		r.result.Ok++
		r.latencies = append(r.latencies, float64(latency.Microseconds())/1000)
		r.service = append(r.service, float64(service.Microseconds())/1000)
		return
	}
	code := fmt.Sprintf("HTTP_%d", status)
	if err != nil {
		code = errorCode(err)
	}
	r.failed.Add(1)
	r.result.Failed++
	r.result.ErrorsByCode[code]++
	if r.result.FirstFailure == nil {
		r.result.FirstFailure = &failure{Request: number, TMs: sinceMs(r.start), Code: code}
	}
}

func sinceMs(t time.Time) float64 { return float64(time.Since(t).Microseconds()) / 1000 }

// latencySummary is p50, p90, p99, max and mean of values (sorted in place).
func latencySummary(values []float64) map[string]float64 {
	sort.Float64s(values)
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	mean := 0.0
	if len(values) > 0 {
		mean = sum / float64(len(values))
	}
	return map[string]float64{
		"p50": percentile(values, 50), "p90": percentile(values, 90), "p99": percentile(values, 99),
		"max": percentile(values, 100), "mean": math.Round(mean*1000) / 1000,
	}
}

// percentile of sorted values, nearest rank.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return sorted[i]
}

var stdout sync.Mutex

// print writes v as one JSON line on stdout.
func print(v any) {
	line, _ := json.Marshal(v)
	stdout.Lock()
	defer stdout.Unlock()
	os.Stdout.Write(append(line, '\n'))
}

func main() {
	mode := flag.String("mode", "", "no-close, close-unread, default-transport or tuned")
	url := flag.String("url", "", "the server's URL")
	requests := flag.Int("requests", 0, "requests to send")
	concurrency := flag.Int("concurrency", 1, "requests in flight (steady) or burst size (bursts)")
	pattern := flag.String("pattern", "steady", "steady, bursts or rate")
	burstGapMs := flag.Float64("burst-gap-ms", 0, "pause between bursts")
	gapSpreadMs := flag.Float64("gap-spread-ms", 0, "pauses grow evenly from gap-spread below to gap-spread above burst-gap-ms")
	rate := flag.Float64("rate", 0, "pattern rate: requests started per second; -concurrency caps those in flight")
	flag.Parse()
	makeClient := map[string]func(int) func(string) (int, error){
		"no-close": noClose, "close-unread": closeUnread, "default-transport": defaultTransport, "tuned": tuned,
	}[*mode]
	patternOk := *pattern == "steady" || *pattern == "bursts" || (*pattern == "rate" && *rate > 0)
	if makeClient == nil || *url == "" || *requests < 1 || *concurrency < 1 || !patternOk {
		fmt.Fprintln(os.Stderr, "timewait-client: needs -mode no-close|close-unread|default-transport|tuned, -url, -requests >= 1, -concurrency >= 1, -pattern steady|bursts|rate (rate: with -rate > 0)")
		os.Exit(2)
	}

	get := makeClient(*concurrency)
	r := &recorder{start: time.Now(), result: outcome{Type: "done", ErrorsByCode: map[string]int{}}}
	var next atomic.Int64
	// one claims the next request number and sends it; false when all requests are claimed.
	one := func() bool {
		number := int(next.Add(1))
		if number > *requests {
			return false
		}
		t0 := time.Now()
		status, err := get(*url)
		took := time.Since(t0)
		r.record(number, took, took, status, err)
		return true
	}

	// At 250 ms, then every second (FIRST_PROGRESS_MS, PROGRESS_EVERY_MS in harness/shapes/client-protocol.ts).
	first := time.After(250 * time.Millisecond)
	ticker := time.NewTicker(time.Second)
	go func() {
		for {
			select {
			case <-first: // fires once
			case <-ticker.C:
			}
			progress := map[string]any{"type": "progress", "done": r.done.Load(), "failed": r.failed.Load(), "elapsedMs": sinceMs(r.start)}
			if *pattern == "rate" {
				progress["started"], progress["dropped"] = r.started.Load(), r.dropped.Load()
			}
			print(progress)
		}
	}()

	var wg sync.WaitGroup
	switch *pattern {
	case "steady":
		workers := *concurrency
		if workers > *requests {
			workers = *requests
		}
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for one() {
				}
			}()
		}
		wg.Wait()
	case "bursts":
		// The same pauses as harness/run/load.ts: evenly from gap-spread below to gap-spread above the gap.
		pauses := (*requests+*concurrency-1) / *concurrency - 1
		for pause := 0; int(next.Load()) < *requests; pause++ {
			for i := 0; i < *concurrency; i++ {
				wg.Add(1)
				go func() { defer wg.Done(); one() }()
			}
			wg.Wait()
			share := 0.5
			if pauses > 1 {
				share = float64(pause) / float64(pauses-1)
			}
			gap := math.Max(0, *burstGapMs-*gapSpreadMs+2**gapSpreadMs*share)
			if gap > 0 && int(next.Load()) < *requests {
				time.Sleep(time.Duration(gap * float64(time.Millisecond)))
			}
		}
	case "rate":
		r.result.Rate = runAtRate(r, *rate, *requests, *concurrency, func() (int, error) { return get(*url) })
	}
	ticker.Stop()

	r.mu.Lock()
	defer r.mu.Unlock()
	r.result.DurationMs = sinceMs(r.start)
	r.result.LatencyMs = latencySummary(r.latencies)
	if r.result.Rate != nil {
		r.result.ServiceTimeMs = latencySummary(r.service)
	}
	print(r.result)
	// Exit as a Go program does: open connections (no-close leaks them) are closed by the kernel.
}

// runAtRate starts request i at r.start + i / rate, on a fixed schedule rather than a ticker (which
// drops ticks when it falls behind): after a late wake-up every request whose time has come starts
// at once, so the rate never drifts. A semaphore of `limit` caps the requests in flight; a request
// whose time comes at the cap is dropped and counted, never sent late. Latency runs from the
// scheduled start (corrected for coordinated omission, as wrk2 does), service time from the send.
func runAtRate(r *recorder, rate float64, requests, limit int, get func() (int, error)) *rateOutcome {
	inFlight := make(chan struct{}, limit)
	var wg sync.WaitGroup
	peak := 0
	var lastStart time.Duration
	for i := 0; i < requests; i++ {
		due := r.start.Add(time.Duration(float64(i) * float64(time.Second) / rate))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		select {
		case inFlight <- struct{}{}:
		default:
			r.dropped.Add(1)
			continue
		}
		r.started.Add(1)
		lastStart = time.Since(r.start)
		if len(inFlight) > peak {
			peak = len(inFlight)
		}
		wg.Add(1)
		go func(number int, due time.Time) {
			defer wg.Done()
			sent := time.Now()
			status, err := get()
			end := time.Now()
			<-inFlight
			r.record(number, end.Sub(due), end.Sub(sent), status, err)
		}(i+1, due)
	}
	wg.Wait()
	// As harness/run/load.ts achievedRate: started over the longer of the schedule and the time to the last start.
	seconds := math.Max(float64(requests)/rate, lastStart.Seconds()+1/rate)
	return &rateOutcome{
		AskedPerSec:    rate,
		AchievedPerSec: math.Round(float64(r.started.Load())/seconds*100) / 100,
		Dropped:        r.dropped.Load(),
		PeakInFlight:   peak,
	}
}
