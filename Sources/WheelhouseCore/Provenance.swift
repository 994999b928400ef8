import Foundation

/// PEP 740 provenance: the attestations an uploader sends beside a distribution, kept as the
/// file's provenance object (`packages/{project}/{filename}.provenance`).
///
/// Only the shape is checked here. Signatures are not verified: the attestations are stored
/// and served as sent, for clients that verify them themselves.
public enum Provenance {
    /// The most attestations one upload may carry.
    public static let maxAttestations = 16
    /// The largest `attestations` form field accepted, in bytes.
    public static let maxUploadBytes = 1 << 20

    /// PEP 740 `Publisher` of files uploaded here. Wheelhouse has no Trusted Publishing, so the
    /// publisher names the way in, not an OIDC identity.
    static let uploadPublisher = #"{"claims":null,"kind":"wheelhouse-upload"}"#

    /// Checks the upload form's `attestations` field (a JSON array of PEP 740 attestation
    /// objects, as twine and uv send it) and returns the provenance object to store:
    /// `{"attestation_bundles":[{"attestations":[...],"publisher":{...}}],"version":1}`. The
    /// attestations are kept byte for byte as sent.
    public static func object(fromUploadField field: String) throws(ProvenanceError) -> [UInt8] {
        let bytes = Array(field.utf8)
        guard bytes.count <= maxUploadBytes else {
            throw .malformed("the attestations field is larger than \(maxUploadBytes) bytes")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        } catch {
            throw .malformed("the attestations field is not JSON")
        }
        guard let attestations = value.array else { throw .malformed("the attestations field is not a JSON array") }
        try checkAttestations(attestations, at: "attestations")
        let trimmed = field.trimmingCharacters(in: .whitespacesAndNewlines)
        return Array(#"{"attestation_bundles":[{"attestations":"#.utf8) + Array(trimmed.utf8)
            + Array(#","publisher":"#.utf8) + Array(uploadPublisher.utf8) + Array(#"}],"version":1}"#.utf8)
    }

    /// Checks a provenance object read from an upstream index (PEP 740: `version` 1 and a
    /// non-empty `attestation_bundles`, each with a `publisher` that has a `kind` and a
    /// non-empty list of attestations of the PEP's shape).
    public static func checkObject(_ data: [UInt8]) throws(ProvenanceError) {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(data))
        } catch {
            throw .malformed("the provenance is not JSON")
        }
        guard let object = value.object else { throw .malformed("the provenance is not a JSON object") }
        guard object["version"]?.integer == 1 else { throw .malformed("the provenance's version is not 1") }
        guard let bundles = object["attestation_bundles"]?.array, !bundles.isEmpty else {
            throw .malformed("the provenance has no attestation_bundles")
        }
        for (index, bundle) in bundles.enumerated() {
            let path = "attestation_bundles[\(index)]"
            guard let fields = bundle.object else { throw .malformed("\(path) is not an object") }
            guard fields["publisher"]?.object?["kind"]?.string != nil else {
                throw .malformed("\(path).publisher is not an object with a kind")
            }
            guard let attestations = fields["attestations"]?.array else { throw .malformed("\(path).attestations is not a list") }
            try checkAttestations(attestations, at: "\(path).attestations")
        }
    }

    /// PEP 740 attestation object: `version` 1, `verification_material` with a `certificate`
    /// (base64) and `transparency_entries` (a non-empty list of objects), `envelope` with a
    /// `statement` and a `signature` (both base64).
    static func checkAttestations(_ attestations: [JSONValue], at path: String) throws(ProvenanceError) {
        guard !attestations.isEmpty else { throw .malformed("\(path) is empty") }
        guard attestations.count <= maxAttestations else {
            throw .malformed("\(path) has \(attestations.count) attestations, more than \(maxAttestations)")
        }
        for (index, attestation) in attestations.enumerated() {
            let at = "\(path)[\(index)]"
            guard let fields = attestation.object else { throw .malformed("\(at) is not an object") }
            guard fields["version"]?.integer == 1 else { throw .malformed("\(at).version is not 1") }
            guard let material = fields["verification_material"]?.object else {
                throw .malformed("\(at).verification_material is missing or not an object")
            }
            guard let certificate = material["certificate"]?.string, isBase64(certificate) else {
                throw .malformed("\(at).verification_material.certificate is missing or not base64")
            }
            guard let entries = material["transparency_entries"]?.array, !entries.isEmpty,
                entries.allSatisfy({ $0.object != nil })
            else {
                throw .malformed("\(at).verification_material.transparency_entries is not a non-empty list of objects")
            }
            guard let envelope = fields["envelope"]?.object else { throw .malformed("\(at).envelope is missing or not an object") }
            for key in ["statement", "signature"] {
                guard let text = envelope[key]?.string, isBase64(text) else {
                    throw .malformed("\(at).envelope.\(key) is missing or not base64")
                }
            }
        }
    }

    /// Standard or URL-safe base64, padded or not, non-empty.
    static func isBase64(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        var padding = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "="):
                padding += 1
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                if padding > 0 { return false }
            default:
                return false
            }
        }
        return padding <= 2
    }
}

/// Why attestations or a provenance object were refused.
public enum ProvenanceError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let reason):
            "Invalid attestations (PEP 740): \(reason). Each attestation must be an object with version 1, "
                + "verification_material {certificate, transparency_entries} and envelope {statement, signature}."
        }
    }
}
