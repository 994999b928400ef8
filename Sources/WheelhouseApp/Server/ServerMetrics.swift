import Synchronization

/// Counters exported at `/metrics` in the Prometheus text format (version 0.0.4).
public final class ServerMetrics: Sendable {
    struct Counters: Sendable {
        var requests: [String: Int] = [:]  // "method|status" → count
        var uploadsOK = 0
        var uploadsFailed = 0
        var bytesUploaded: Int64 = 0
        var bytesDownloaded: Int64 = 0
        var redirects = 0
        var durationSum = 0.0
        var upstreamRequests: [String: Int] = [:]  // outcome → count
        var upstreamCacheHits = 0
        var upstreamCacheMisses = 0
        var upstreamBytes: Int64 = 0
        var upstreamStaleServes = 0
    }
    let counters = Mutex(Counters())

    public init() {}

    func request(method: String, status: Int, seconds: Double) {
        counters.withLock {
            $0.requests["\(method)|\(status)", default: 0] += 1
            $0.durationSum += seconds
        }
    }
    func uploadSucceeded(bytes: Int64) {
        counters.withLock {
            $0.uploadsOK += 1
            $0.bytesUploaded += bytes
        }
    }
    func uploadFailed() { counters.withLock { $0.uploadsFailed += 1 } }
    func addDownloaded(bytes: Int64) { counters.withLock { $0.bytesDownloaded += bytes } }
    func addRedirect() { counters.withLock { $0.redirects += 1 } }
    func upstreamRequest(outcome: String) { counters.withLock { $0.upstreamRequests[outcome, default: 0] += 1 } }
    func upstreamCache(hit: Bool) {
        counters.withLock { if hit { $0.upstreamCacheHits += 1 } else { $0.upstreamCacheMisses += 1 } }
    }
    func addUpstreamBytes(_ bytes: Int64) { counters.withLock { $0.upstreamBytes += bytes } }
    func upstreamStaleServe() { counters.withLock { $0.upstreamStaleServes += 1 } }

    public func prometheusText() -> String {
        let c = counters.withLock { $0 }
        var out = "# HELP wheelhouse_http_requests_total HTTP requests by method and status.\n"
        out += "# TYPE wheelhouse_http_requests_total counter\n"
        for (key, count) in c.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "|")
            out += "wheelhouse_http_requests_total{method=\"\(parts[0])\",status=\"\(parts[1])\"} \(count)\n"
        }
        out += "# HELP wheelhouse_http_request_duration_seconds_sum Total time spent answering requests.\n"
        out += "# TYPE wheelhouse_http_request_duration_seconds_sum counter\n"
        out += "wheelhouse_http_request_duration_seconds_sum \(c.durationSum)\n"
        out += "# HELP wheelhouse_uploads_total Uploads by result.\n# TYPE wheelhouse_uploads_total counter\n"
        out += "wheelhouse_uploads_total{result=\"ok\"} \(c.uploadsOK)\n"
        out += "wheelhouse_uploads_total{result=\"failed\"} \(c.uploadsFailed)\n"
        out += "# HELP wheelhouse_uploaded_bytes_total Bytes of accepted uploads.\n# TYPE wheelhouse_uploaded_bytes_total counter\n"
        out += "wheelhouse_uploaded_bytes_total \(c.bytesUploaded)\n"
        out += "# HELP wheelhouse_downloaded_bytes_total Bytes of distribution files sent.\n# TYPE wheelhouse_downloaded_bytes_total counter\n"
        out += "wheelhouse_downloaded_bytes_total \(c.bytesDownloaded)\n"
        out += "# HELP wheelhouse_download_redirects_total Downloads answered with a redirect to the store.\n"
        out += "# TYPE wheelhouse_download_redirects_total counter\n"
        out += "wheelhouse_download_redirects_total \(c.redirects)\n"
        out += "# HELP wheelhouse_upstream_requests_total Requests to upstream indexes by outcome.\n"
        out += "# TYPE wheelhouse_upstream_requests_total counter\n"
        for (outcome, count) in c.upstreamRequests.sorted(by: { $0.key < $1.key }) {
            out += "wheelhouse_upstream_requests_total{outcome=\"\(outcome)\"} \(count)\n"
        }
        out += "# HELP wheelhouse_upstream_page_cache_total Upstream page lookups answered from the cache or not.\n"
        out += "# TYPE wheelhouse_upstream_page_cache_total counter\n"
        out += "wheelhouse_upstream_page_cache_total{result=\"hit\"} \(c.upstreamCacheHits)\n"
        out += "wheelhouse_upstream_page_cache_total{result=\"miss\"} \(c.upstreamCacheMisses)\n"
        out += "# HELP wheelhouse_upstream_fetched_bytes_total Bytes of distribution files fetched from upstreams.\n"
        out += "# TYPE wheelhouse_upstream_fetched_bytes_total counter\n"
        out += "wheelhouse_upstream_fetched_bytes_total \(c.upstreamBytes)\n"
        out += "# HELP wheelhouse_upstream_stale_serves_total Pages served from a stale copy because the upstream failed.\n"
        out += "# TYPE wheelhouse_upstream_stale_serves_total counter\n"
        out += "wheelhouse_upstream_stale_serves_total \(c.upstreamStaleServes)\n"
        return out
    }
}
