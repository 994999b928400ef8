import Foundation
import Hummingbird

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One file being fetched from an upstream: spooled to a local file while any number of
/// clients read it as it grows (single flight: concurrent first downloads share one fetch).
///
/// Readers are held one byte short of the end until the fetch has verified the size and sha256:
/// when the upstream lied, no client ever gets a complete body (its transfer is cut), and
/// nothing is stored. Ingesting the verified file runs after the last byte is released.
actor MirrorFetch {
    enum State: Sendable {
        /// Waiting for the upstream's response headers.
        case starting
        case streaming
        /// Verified and in the store: serve it from there.
        case succeeded
        case failed(any ClientFacingError)

        var isTerminal: Bool {
            switch self {
            case .succeeded, .failed: true
            case .starting, .streaming: false
            }
        }
    }

    enum Attachment {
        /// An open file descriptor of the spool, owned by the reader.
        case stream(Int32, contentLength: Int64?)
        case succeeded
        case failed(any ClientFacingError)
    }

    let spool: URL
    private(set) var state: State = .starting
    private(set) var written: Int64 = 0
    private(set) var contentLength: Int64?
    /// The bytes matched the upstream's page: readers may send the last one.
    private(set) var verified = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(spool: URL) {
        self.spool = spool
    }

    // MARK: The fetching side

    func started(contentLength: Int64?) {
        self.contentLength = contentLength
        state = .streaming
        wake()
    }

    func progress(written: Int64) {
        self.written = written
        wake()
    }

    func markVerified() {
        verified = true
        wake()
    }

    /// Ends the fetch and removes the spool file (readers keep their open handles).
    func finish(_ final: State) {
        state = final
        try? FileManager.default.removeItem(at: spool)
        wake()
    }

    private func wake() {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
    }

    // MARK: The reading side

    /// Waits for the headers, then opens the spool for this reader (before `finish` can remove it).
    func attach() async -> Attachment {
        while true {
            switch state {
            case .starting:
                await changed()
            case .streaming:
                let fd = open(spool.path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    return .failed(Refusal(status: .internalServerError, clientMessage: "The mirror's spool file is gone."))
                }
                return .stream(fd, contentLength: contentLength)
            case .succeeded:
                return .succeeded
            case .failed(let error):
                return .failed(error)
            }
        }
    }

    /// How many bytes a reader that has sent `sent` may send now, waiting until that is more
    /// than `sent` or the fetch has ended. Throws the fetch's error when it failed.
    func sendable(after sent: Int64) async throws -> (limit: Int64, done: Bool) {
        while true {
            switch state {
            case .succeeded:
                return (written, true)
            case .failed(let error):
                throw error
            case .starting, .streaming:
                if verified { return (written, true) }
                if written - 1 > sent { return (written - 1, false) }
                await changed()
            }
        }
    }

    /// Waits for the end of the fetch.
    func finished() async -> State {
        while !state.isTerminal { await changed() }
        return state
    }

    private func changed() async {
        await withCheckedContinuation { waiters.append($0) }
    }
}
