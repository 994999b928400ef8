/// PEP 566 JSON form: keys lowercased with `-` → `_`, multiple-use fields as arrays,
/// `keywords` split on commas, the body (if any) as `description`.
extension CoreMetadata: Encodable {
    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        var order: [String] = []
        var grouped: [String: [String]] = [:]
        for field in fields {
            let key = field.name.lowercased()
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(field.value)
        }
        for key in order {
            let values = grouped[key] ?? []
            let jsonKey = Key(key.replacing("-", with: "_"))
            if key == "keywords" {
                try container.encode(keywords, forKey: jsonKey)
            } else if key == "description" {
                if body == nil { try container.encode(description, forKey: jsonKey) }
            } else if Self.multipleUse.contains(key) || values.count > 1 {
                try container.encode(values, forKey: jsonKey)
            } else if let single = values.first {
                try container.encode(single, forKey: jsonKey)
            }
        }
        if let body { try container.encode(body, forKey: Key("description")) }
    }
}
