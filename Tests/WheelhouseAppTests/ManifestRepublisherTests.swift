import Foundation
import Logging
import Testing
import WheelhouseAWS
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport

/// The server's republishing: a burst of ingests gives a manifest that names every upload,
/// written once per distinct value.
@Suite(.tags(.endToEnd), .skippedInFastTier)
struct ManifestRepublisherTests {
    @Test func aBurstOfChangesEndsInOneCurrentManifest() async throws {
        let moto = try await MotoServer.shared()
        let ssm = SSMClient(
            configuration: SSMConfiguration(region: "us-east-1", endpoint: moto.endpoint),
            credentials: StaticCredentialProvider(
                AWSCredentials(accessKeyId: MotoServer.dummyAccessKeyId, secretAccessKey: MotoServer.dummySecretAccessKey)))
        let store = MemoryBlobStore()
        let settings = ManifestSettings(target: .glue("5.0"), uriBase: "s3://glue-wheels/w")
        let publisher = try settings.publisher(store: store, location: try StoreLocation(parsing: "/unused"))
        let parameter = "/wheelhouse-tests/republisher/\(UUID().uuidString.prefix(8))"
        let republisher = ManifestRepublisher(
            publisher: ManifestPublisher(store: store, ssm: ssm, uriBase: publisher.uriBase, selector: publisher.selector),
            parameter: parameter, logger: Logger(label: "test"))

        // The service runs as `serve` runs it; the test ends it by cancellation.
        let service = Task { try await republisher.run() }
        defer { service.cancel() }
        let dists = try TestSupport.makeTemporaryDirectory("republisher")
        let ingestor = Ingestor(store: store, onChange: { _ in republisher.storeChanged() })
        for index in 0..<5 {
            let wheel = try WheelBuilder.make("burst\(index)", "1.0", in: dists)
            _ = try await ingestor.ingest(Ingestor.Candidate(file: wheel))
            republisher.storeChanged()
        }
        await republisher.waitUntilIdle()

        let value = try await ssm.getParameter(name: parameter).value
        #expect(value == (0..<5).map { "s3://glue-wheels/w/packages/burst\($0)/burst\($0)-1.0-py3-none-any.whl" }.joined(separator: ","))
        let history = try await ssm.parameterHistory(name: parameter)
        #expect(history.count <= 5, "coalesced: at most one publish per change, fewer in a burst")
        #expect(Set(history.map(\.value)).count == history.count, "a version only when the value changed")

        republisher.storeChanged()
        await republisher.waitUntilIdle()
        #expect(try await ssm.parameterHistory(name: parameter).count == history.count, "nothing new: nothing written")
    }
}
