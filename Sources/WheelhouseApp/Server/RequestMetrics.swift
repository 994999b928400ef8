import HTTPTypes
import Hummingbird
import Prometheus
import Synchronization

/// The request metrics of `/metrics` (docs/http.md): count, latency histogram and errors by
/// route, method and status, and requests in flight by method, written into the server's
/// Prometheus registry.
///
/// Made for the hot path, in place of Hummingbird's `MetricsMiddleware` and swift-metrics: the
/// series of a (route, method, status) are created once and found again with one dictionary
/// lookup, and a response whose body is in memory is recorded as soon as the handler returns,
/// so its body stays a single buffer (head, body and end go out in one write; the post-write
/// hook Hummingbird's middleware adds turns every body into a stream of three writes). A
/// streamed body (a download) is recorded once it is written, so its latency includes the
/// transfer.
final class RequestMetrics: Sendable {
    struct SeriesKey: Hashable, Sendable {
        var route: String
        var method: HTTPRequest.Method
        var status: Int
    }
    struct Series: Sendable {
        let requests: Prometheus.Counter
        let duration: DurationHistogram
    }

    let registry: PrometheusCollectorRegistry
    let buckets: [Duration]
    private let series = Mutex<[SeriesKey: Series]>([:])
    private let errors = Mutex<[SeriesKey: Prometheus.Counter]>([:])
    private let active = Mutex<[HTTPRequest.Method: Gauge]>([:])

    static let requestsName = "wheelhouse_http_requests_total"
    static let durationName = "wheelhouse_http_request_duration_seconds"
    static let activeName = "wheelhouse_http_active_requests"
    static let errorsName = "wheelhouse_http_request_errors_total"

    init(registry: PrometheusCollectorRegistry, buckets: [Duration]) {
        self.registry = registry
        self.buckets = buckets
    }

    func activeGauge(_ method: HTTPRequest.Method) -> Gauge {
        active.withLock { gauges in
            if let gauge = gauges[method] { return gauge }
            let gauge = registry.makeGauge(
                descriptor: MetricNameDescriptor(metricName: Self.activeName, unitName: "", helpText: "Requests being answered."),
                labels: [("method", method.rawValue)])
            gauges[method] = gauge
            return gauge
        }
    }

    func record(route: String, method: HTTPRequest.Method, status: Int, nanoseconds: Int64) {
        let key = SeriesKey(route: route, method: method, status: status)
        let found = series.withLock { series in
            if let found = series[key] { return found }
            let labels = Self.labels(key)
            let made = Series(
                requests: registry.makeCounter(
                    descriptor: MetricNameDescriptor(metricName: Self.requestsName, unitName: "", helpText: "Requests answered."), labels: labels),
                duration: registry.makeDurationHistogram(
                    descriptor: MetricNameDescriptor(metricName: Self.durationName, unitName: "", helpText: "Time to answer a request."),
                    labels: labels, buckets: buckets))
            series[key] = made
            return made
        }
        found.requests.increment()
        found.duration.recordNanoseconds(nanoseconds)
    }

    func recordError(route: String, method: HTTPRequest.Method, status: Int) {
        let key = SeriesKey(route: route, method: method, status: status)
        let counter = errors.withLock { errors in
            if let counter = errors[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    metricName: Self.errorsName, unitName: "", helpText: "Errors that escaped the error boundary."),
                labels: Self.labels(key))
            errors[key] = counter
            return counter
        }
        counter.increment()
    }

    static func labels(_ key: SeriesKey) -> [(String, String)] {
        [("route", key.route), ("method", key.method.rawValue), ("status", String(key.status))]
    }
}

/// Records every request into `RequestMetrics`; outermost, so it sees every answer.
struct RequestMetricsMiddleware: RouterMiddleware {
    typealias Context = WheelhouseRequestContext
    let metrics: RequestMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let method = request.method
        let active = metrics.activeGauge(method)
        active.increment()
        do {
            var response = try await next(request, context)
            let route = context.endpointPath ?? "Unknown"
            let status = response.status.code
            let metrics = self.metrics
            if response.body.contentLength == nil {
                // Streamed: the answer ends when its last byte is written.
                let body = response.body
                let done: @Sendable () -> Void = {
                    metrics.record(route: route, method: method, status: status, nanoseconds: Self.nanoseconds(since: start))
                    active.decrement()
                }
                response.body = ResponseBody { writer in
                    do {
                        try await body.write(writer)
                        done()
                    } catch {
                        done()
                        throw error
                    }
                }
            } else {
                metrics.record(route: route, method: method, status: status, nanoseconds: Self.nanoseconds(since: start))
                active.decrement()
            }
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            let route = context.endpointPath ?? "NotFound"
            metrics.record(route: route, method: method, status: status, nanoseconds: Self.nanoseconds(since: start))
            metrics.recordError(route: route, method: method, status: status)
            active.decrement()
            throw error
        }
    }

    static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    }
}
