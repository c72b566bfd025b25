// The Go client of the go-default-transport scenario: the mistakes of the original write-up about
// Go's net/http, and their fixes, under the same load as the lab's Node clients.
//
// Usage: timewait-client -mode no-close|close-unread|default-transport|tuned -url URL -requests N
//
//	-concurrency N [-pattern steady|bursts] [-burst-gap-ms N] [-gap-spread-ms N]
//
// It prints one JSON object per line on stdout, as harness/program-client.ts reads them: progress
// every 250 ms, then the outcome. Standard library only, so it builds offline.
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

type outcome struct {
	Type         string             `json:"type"`
	Ok           int                `json:"ok"`
	Failed       int                `json:"failed"`
	ErrorsByCode map[string]int     `json:"errorsByCode"`
	FirstFailure *failure           `json:"firstFailure"`
	DurationMs   float64            `json:"durationMs"`
	LatencyMs    map[string]float64 `json:"latencyMs"`
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
	result    outcome
	done      atomic.Int64
	failed    atomic.Int64
}

func (r *recorder) record(number int, took time.Duration, status int, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done.Add(1)
	if err == nil && status >= 200 && status < 400 {
		r.result.Ok++
		r.latencies = append(r.latencies, float64(took.Microseconds())/1000)
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
	pattern := flag.String("pattern", "steady", "steady or bursts")
	burstGapMs := flag.Float64("burst-gap-ms", 0, "pause between bursts")
	gapSpreadMs := flag.Float64("gap-spread-ms", 0, "pauses grow evenly from gap-spread below to gap-spread above burst-gap-ms")
	flag.Parse()
	makeClient := map[string]func(int) func(string) (int, error){
		"no-close": noClose, "close-unread": closeUnread, "default-transport": defaultTransport, "tuned": tuned,
	}[*mode]
	if makeClient == nil || *url == "" || *requests < 1 || *concurrency < 1 || (*pattern != "steady" && *pattern != "bursts") {
		fmt.Fprintln(os.Stderr, "timewait-client: needs -mode no-close|close-unread|default-transport|tuned, -url, -requests >= 1, -concurrency >= 1, -pattern steady|bursts")
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
		r.record(number, time.Since(t0), status, err)
		return true
	}

	ticker := time.NewTicker(250 * time.Millisecond)
	go func() {
		for range ticker.C {
			print(map[string]any{"type": "progress", "done": r.done.Load(), "failed": r.failed.Load(), "elapsedMs": sinceMs(r.start)})
		}
	}()

	var wg sync.WaitGroup
	if *pattern == "steady" {
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
	} else {
		// The same pauses as harness/load.ts: evenly from gap-spread below to gap-spread above the gap.
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
	}
	ticker.Stop()

	r.mu.Lock()
	defer r.mu.Unlock()
	sort.Float64s(r.latencies)
	sum := 0.0
	for _, l := range r.latencies {
		sum += l
	}
	mean := 0.0
	if len(r.latencies) > 0 {
		mean = sum / float64(len(r.latencies))
	}
	r.result.DurationMs = sinceMs(r.start)
	r.result.LatencyMs = map[string]float64{
		"p50": percentile(r.latencies, 50), "p90": percentile(r.latencies, 90), "p99": percentile(r.latencies, 99),
		"max": percentile(r.latencies, 100), "mean": math.Round(mean*1000) / 1000,
	}
	print(r.result)
	// Exit as a Go program does: open connections (no-close leaks them) are closed by the kernel.
}
