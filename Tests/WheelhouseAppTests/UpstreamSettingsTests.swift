import Foundation
import Testing
import WheelhouseCore

@testable import WheelhouseApp

/// The mirror's pure rules: proxies from the environment, allow/deny, cooldown, and
/// the stored form of an upstream page.
@Suite struct UpstreamSettingsTests {
    @Test(arguments: [
        ("requests", ["*"], [String](), nil as String?),
        ("internal-lib", ["*"], ["internal-*"], "denied by --upstream-deny internal-*"),
        ("numpy", ["num*", "scipy"], [], nil),
        ("pandas", ["num*", "scipy"], [], "not matched by any --upstream-allow"),
        ("scipy", ["num*", "scipy"], ["sci?y"], "denied by --upstream-deny sci?y"),
        ("a-b", [], ["a-[bc]"], "denied by --upstream-deny a-[bc]"),
        ("a-d", [], ["a-[bc]"], nil),
    ])
    func allowAndDeny(project: String, allow: [String], deny: [String], expected: String?) {
        let settings = UpstreamSettings(upstreams: [], allow: allow, deny: deny)
        #expect(settings.refusal(project) == expected)
    }

    @Test func cooldownHidesYoungFilesAndFilesWithoutATimeUnlessExempt() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let settings = UpstreamSettings(upstreams: [], minAge: .seconds(7 * 86_400), minAgeExempt: ["Trusted_Lib"])
        #expect(settings.cooldown("pkg", uploadTime: now.addingTimeInterval(-8 * 86_400), now: now) == nil)
        #expect(settings.cooldown("pkg", uploadTime: now.addingTimeInterval(-6 * 86_400), now: now)?.contains("younger") == true)
        #expect(settings.cooldown("pkg", uploadTime: nil, now: now)?.contains("no upload time") == true)
        #expect(settings.cooldown("trusted-lib", uploadTime: nil, now: now) == nil)
        #expect(UpstreamSettings(upstreams: []).cooldown("pkg", uploadTime: nil, now: now) == nil)
    }

    @Test func proxiesFromTheEnvironmentAsPipReadsThem() throws {
        let settings = try UpstreamProxySettings(environment: [
            "HTTPS_PROXY": "http://alice:s%40cret@proxy.corp:3128",
            "http_proxy": "proxy.corp",
            "HTTP_PROXY": "http://ignored:1",
            "NO_PROXY": "localhost, .internal.corp,10.0.0.5:8080,files.example",
        ])
        let https = try #require(settings.proxy(for: URL(string: "https://pypi.org/simple/")!))
        #expect(https.host == "proxy.corp" && https.port == 3128)
        #expect(https.credentials?.user == "alice" && https.credentials?.password == "s@cret")
        #expect(settings.proxy(for: URL(string: "http://pypi.org/simple/")!) == .init(host: "proxy.corp", port: 80))
        #expect(settings.proxy(for: URL(string: "http://localhost:8080/simple/")!) == nil)
        #expect(settings.proxy(for: URL(string: "https://pkgs.internal.corp/simple/")!) == nil)
        #expect(settings.proxy(for: URL(string: "https://internal.corp/simple/")!) == nil)
        #expect(settings.proxy(for: URL(string: "http://10.0.0.5:8080/simple/")!) == nil)
        #expect(settings.proxy(for: URL(string: "http://10.0.0.5:9090/simple/")!) != nil)
        #expect(settings.proxy(for: URL(string: "https://cdn.files.example/x.whl")!) == nil)
        #expect(settings.proxy(for: URL(string: "https://notfiles.example/x.whl")!) != nil)
        #expect(
            try UpstreamProxySettings(environment: ["HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"])
                .proxy(for: URL(string: "https://pypi.org/")!) == nil)
        #expect(try UpstreamProxySettings(environment: [:]).proxy(for: URL(string: "https://pypi.org/")!) == nil)
    }

    @Test func anUnreadableProxyIsAnErrorWithoutItsPassword() {
        #expect {
            try UpstreamProxySettings(environment: ["HTTPS_PROXY": "socks5://user:hunter2@:1080"])
        } throws: { error in
            "\(error)".contains("***@") && !"\(error)".contains("hunter2")
        }
    }

    @Test func credentialsGoOnlyToTheIndexHost() throws {
        let index = try UpstreamIndex(url: URL(string: "https://bob:pa%3Ass@pkgs.example/simple")!, http: UpstreamHTTPClient())
        #expect(index.url.absoluteString == "https://bob:pa%3Ass@pkgs.example/simple/")
        #expect(index.displayURL == "https://pkgs.example/simple/")
        let expected = "Basic " + Data("bob:pa:ss".utf8).base64EncodedString()
        #expect(index.authorization(for: URL(string: "https://pkgs.example/packages/a.whl")!) == expected)
        #expect(index.authorization(for: URL(string: "https://cdn.example/packages/a.whl")!) == nil)
        #expect(index.authorization(for: URL(string: "http://pkgs.example/packages/a.whl")!) == nil)
        #expect(index.authorization(for: URL(string: "https://pkgs.example:8443/packages/a.whl")!) == nil)
        #expect(throws: UpstreamError.self) { try UpstreamIndex(url: URL(string: "file:///simple/")!, http: UpstreamHTTPClient()) }
    }

    @Test func aStoredUpstreamPageReadsBackAsItWasWithItsProvenance() throws {
        let file = SimpleProjectPage.File(
            filename: "demo_pkg-1.0-py3-none-any.whl", url: "https://files.example/p/demo_pkg-1.0-py3-none-any.whl",
            sha256: String(repeating: "a", count: 64), requiresPython: ">=3.8", coreMetadataSha256: String(repeating: "b", count: 64),
            yank: .yanked(reason: #"x],"meta":{"#), size: 10, uploadTime: Date(timeIntervalSince1970: 1_700_000_000.25))
        let page = UpstreamProjectPage(page: SimpleProjectPage(name: "demo-pkg", files: [file], versions: ["1.0"]))
        let cached = CachedUpstreamPage(
            upstream: "https://pypi.example/simple/", fetchedAt: Date(timeIntervalSince1970: 1_800_000_000.5), page: page)
        let data = cached.encoded()
        #expect(try CachedUpstreamPage.decode(data, project: "demo-pkg") == cached)
        // The stored form is itself a PEP 691 page.
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((json["meta"] as? [String: Any])?["api-version"] as? String == "1.4")
    }
}
