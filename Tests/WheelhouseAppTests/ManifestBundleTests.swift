import Crypto
import Foundation
import Testing
import WheelhouseApp
import WheelhouseStorage
import WheelhouseTestSupport

struct ManifestBundleTests {
    /// Glue's "zip of wheels": `wheels/*.whl` and `wheels/requirements.txt`, named
    /// `{parameter's last segment}-{16 hex}.gluewheels.zip`.
    @Test(.tags(.endToEnd), .skippedInFastTier) func packsTheWheelsIntoAZipPythonReads() async throws {
        let store = MemoryBlobStore()
        var wheels: [StoreWheel] = []
        var contents: [String: Data] = [:]
        for (index, name) in ["beta", "alpha"].enumerated() {
            let filename = "\(name)-1.\(index)-py3-none-any.whl"
            let data = Data((0..<(1000 + index * 70_000)).map { UInt8(truncatingIfNeeded: $0 * 31 + index) })
            let wheel = StoreWheel(project: name, filename: filename, version: "1.\(index)", requiresPython: nil, requiresDist: [])
            try await store.write(wheel.key, data: data, contentType: nil, condition: .none)
            wheels.append(wheel)
            contents["wheels/" + filename] = data
        }
        let bundle = ManifestBundle(store: store)
        let key = try await bundle.pack(wheels, parameter: "/glue/etl jobs", dryRun: false)
        #expect(key == ManifestBundle.key(for: wheels.reversed(), parameter: "/glue/etl jobs"), "the key depends on the selection, not its order")
        #expect(key.hasPrefix("_wheelhouse/bundles/etl-jobs-") && key.hasSuffix(".gluewheels.zip"))
        #expect(key.count == "_wheelhouse/bundles/etl-jobs-".count + 16 + ".gluewheels.zip".count)
        #expect(ManifestBundle.key(for: wheels, parameter: "/other") != key)
        #expect(ManifestBundle.key(for: Array(wheels.prefix(1)), parameter: "/glue/etl jobs") != key)
        let requirements = "alpha==1.1\nbeta==1.0\n"
        #expect(ManifestBundle.requirements(for: wheels) == requirements)
        contents["wheels/requirements.txt"] = Data(requirements.utf8)
        let (zip, info) = try #require(try await store.read(key))
        #expect(try await bundle.pack(wheels, parameter: "/glue/etl jobs", dryRun: false) == key)
        #expect(try await store.head(key)?.etag == info.etag, "an existing bundle is not written again")

        let file = try TestSupport.makeTemporaryDirectory("bundle").appendingPathComponent("b.zip")
        try zip.write(to: file)
        let script = """
            import hashlib, json, sys, zipfile
            with zipfile.ZipFile(sys.argv[1]) as z:
                assert z.testzip() is None
                print(json.dumps({i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}))
            """
        let result = try runPython(script: script, args: [file.path])
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        let listed = try JSONSerialization.jsonObject(with: result.stdout) as? [String: String]
        let expected = contents.mapValues { SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined() }
        #expect(listed == expected)
        #expect(try await ManifestBundle(store: MemoryBlobStore()).pack(wheels, parameter: "/glue/etl jobs", dryRun: true) == key)
    }
}
