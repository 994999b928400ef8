import CoreMetrics
public import Prometheus
import Synchronization

/// The server's metrics, exported at `/metrics` in the Prometheus text format (0.0.4) by
/// swift-prometheus, which escapes label values and writes every histogram's buckets, `_sum`
/// and `_count`.
///
/// Requests (count, errors, in flight, latency histograms by route, method and status) are
/// recorded by `RequestMetricsMiddleware` into `requests`. `factory` lets anything recording
/// through swift-metrics (`runServer` bootstraps the process's `MetricsSystem` with it) write
/// into this registry under Prometheus names (`prometheusNames`). Wheelhouse's own counters
/// are made here.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// A swift-metrics factory that records into `registry`.
    public let factory: PrometheusMetricsFactory
    /// The request metrics (`RequestMetricsMiddleware`).
    let requests: RequestMetrics

    let uploadsOK: Prometheus.Counter
    let uploadsFailed: Prometheus.Counter
    let uploadedBytes: Prometheus.Counter
    let downloadedBytes: Prometheus.Counter
    let redirects: Prometheus.Counter
    let upstreamCacheHits: Prometheus.Counter
    let upstreamCacheMisses: Prometheus.Counter
    let upstreamBytes: Prometheus.Counter
    let upstreamStaleServes: Prometheus.Counter
    private let upstreamOutcomes = Mutex<[String: Prometheus.Counter]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = Self.prometheusNames
        let buckets: [Duration] = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
            .seconds(5), .seconds(10), .seconds(30),
        ]
        factory.durationHistogramBuckets[Self.requestDuration] = buckets
        self.factory = factory
        self.requests = RequestMetrics(registry: registry, buckets: buckets)

        let uploads = "Uploads by result."
        uploadsOK = Self.counter(registry, "wheelhouse_uploads_total", [("result", "ok")], help: uploads)
        uploadsFailed = Self.counter(registry, "wheelhouse_uploads_total", [("result", "failed")], help: uploads)
        uploadedBytes = Self.counter(registry, "wheelhouse_uploaded_bytes_total", help: "Bytes of accepted uploads.")
        downloadedBytes = Self.counter(registry, "wheelhouse_downloaded_bytes_total", help: "Bytes of distribution files sent.")
        redirects = Self.counter(registry, "wheelhouse_download_redirects_total", help: "Downloads answered with a redirect to the store.")
        let cache = "Upstream page lookups answered from the cache or not."
        upstreamCacheHits = Self.counter(registry, "wheelhouse_upstream_page_cache_total", [("result", "hit")], help: cache)
        upstreamCacheMisses = Self.counter(registry, "wheelhouse_upstream_page_cache_total", [("result", "miss")], help: cache)
        upstreamBytes = Self.counter(registry, "wheelhouse_upstream_fetched_bytes_total", help: "Bytes of distribution files fetched from upstreams.")
        upstreamStaleServes = Self.counter(
            registry, "wheelhouse_upstream_stale_serves_total", help: "Pages served from a stale copy because the upstream failed.")
    }

    func uploadSucceeded(bytes: Int64) {
        uploadsOK.increment()
        uploadedBytes.increment(by: bytes)
    }
    func uploadFailed() { uploadsFailed.increment() }
    func addDownloaded(bytes: Int64) { downloadedBytes.increment(by: bytes) }
    func addRedirect() { redirects.increment() }
    func upstreamCache(hit: Bool) { (hit ? upstreamCacheHits : upstreamCacheMisses).increment() }
    func addUpstreamBytes(_ bytes: Int64) { upstreamBytes.increment(by: bytes) }
    func upstreamStaleServe() { upstreamStaleServes.increment() }

    func upstreamRequest(outcome: String) {
        let counter = upstreamOutcomes.withLock { counters in
            if let counter = counters[outcome] { return counter }
            let counter = Self.counter(
                registry, "wheelhouse_upstream_requests_total", [("outcome", outcome)], help: "Requests to upstream indexes by outcome.")
            counters[outcome] = counter
            return counter
        }
        counter.increment()
    }

    public func prometheusText() -> String { registry.emitToString() }

    static func counter(
        _ registry: PrometheusCollectorRegistry, _ name: String, _ labels: [(String, String)] = [], help: String
    ) -> Prometheus.Counter {
        let descriptor = MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        return labels.isEmpty ? registry.makeCounter(descriptor: descriptor) : registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    static let requestDuration = "wheelhouse_http_request_duration_seconds"

    /// Hummingbird's metric and dimension names as Prometheus names (no dots; units in names).
    static let prometheusNames: @Sendable (String, [(String, String)]) -> (String, [(String, String)]) = { label, dimensions in
        let name =
            switch label {
            case "hb.requests": "wheelhouse_http_requests_total"
            case "hb.request.errors": "wheelhouse_http_request_errors_total"
            case "http.server.request.duration": requestDuration
            case "http.server.active_requests": "wheelhouse_http_active_requests"
            default: label.replacing(".", with: "_")
            }
        let labels = dimensions.map { key, value in
            let renamed =
                switch key {
                case "http.route": "route"
                case "http.request.method": "method"
                case "http.response.status_code", "error.type": "status"
                default: key.replacing(".", with: "_")
                }
            return (renamed, value)
        }
        return (name, labels)
    }
}
