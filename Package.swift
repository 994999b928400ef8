// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// WheelhouseStorage calls POSIX directly (stat, pread, flock). With MemberImportVisibility the
// Linux compiler attributes the members of Glibc's `struct stat` to whichever module loaded the
// header first (CDispatch, in release builds), so a correct `import Glibc` is not enough; that one
// target builds without the feature until the compiler attributes C struct members correctly.
let storageSwiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "wheelhouse",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "wheelhouse", targets: ["wheelhouse"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/multipart-kit", from: "4.7.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // libarchive, through pkg-config (Debian: libarchive-dev).
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // Pure packaging rules: names, versions, markers, filenames, metadata, simple API.
        // No I/O, no clock, no logger.
        .target(
            name: "WheelhouseCore",
            swiftSettings: swiftSettings
        ),
        // Reading and verifying wheels and sdists, streaming, through libarchive.
        .target(
            name: "WheelhouseArchive",
            dependencies: [
                "WheelhouseCore",
                "CArchive",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS: SigV4, the credential chain, S3 and SSM clients. Knows nothing of Python packaging.
        .target(
            name: "WheelhouseAWS",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Opaque bytes under opaque keys: the BlobStore protocol and its backends.
        .target(
            name: "WheelhouseStorage",
            dependencies: [
                "WheelhouseAWS",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: storageSwiftSettings
        ),
        // The application: ingest, index, HTTP server. The only place Hummingbird appears.
        .target(
            name: "WheelhouseApp",
            dependencies: [
                "WheelhouseCore",
                "WheelhouseArchive",
                "WheelhouseStorage",
                "WheelhouseAWS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "wheelhouse",
            dependencies: [
                "WheelhouseApp",
                "WheelhouseAWS",
                "WheelhouseCore",
                "WheelhouseStorage",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Benchmark: verify one wheel and print MB/s (scripts/bench-verify.sh).
        .executableTarget(
            name: "wheelhouse-bench-verify",
            dependencies: ["WheelhouseArchive", "WheelhouseCore"],
            path: "Sources/wheelhouse-bench-verify",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "WheelhouseTestSupport",
            dependencies: ["CArchive", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/WheelhouseTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WheelhouseCoreTests",
            dependencies: ["WheelhouseCore", "WheelhouseTestSupport"],
            exclude: ["Vectors"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WheelhouseArchiveTests",
            dependencies: ["WheelhouseArchive", "WheelhouseCore", "WheelhouseTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WheelhouseAWSTests",
            dependencies: [
                "WheelhouseAWS", "WheelhouseTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            exclude: ["Vectors"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WheelhouseStorageTests",
            dependencies: [
                "WheelhouseStorage", "WheelhouseAWS", "WheelhouseTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Parses every subcommand's command line in process (parseAsRoot).
        .testTarget(
            name: "WheelhouseCLITests",
            dependencies: [
                "wheelhouse", "WheelhouseApp", "WheelhouseCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WheelhouseAppTests",
            dependencies: [
                "WheelhouseApp", "WheelhouseCore", "WheelhouseStorage", "WheelhouseArchive", "WheelhouseAWS",
                "WheelhouseTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
