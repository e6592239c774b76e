import Foundation

/// A checker for the part of JSON Schema that `docs/schemas/` uses: `type` (one name or a list),
/// `required`, `properties`, `additionalProperties` (a schema), `items`, `enum` (strings), `pattern`
/// and `$ref` to `#/$defs/NAME`. Returns the violations as "path: problem" lines.
struct JSONSchemaSubset {
    let root: [String: Any]

    init(contentsOf url: URL) throws {
        guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        root = object
    }

    func violations(of value: Any) -> [String] { check(value, against: root, at: "$") }

    private func check(_ value: Any, against schema: [String: Any], at path: String) -> [String] {
        if let reference = schema["$ref"] as? String {
            let name = String(reference.dropFirst("#/$defs/".count))
            guard reference.hasPrefix("#/$defs/"),
                let target = (root["$defs"] as? [String: Any])?[name] as? [String: Any]
            else {
                return ["\(path): unknown $ref \(reference)"]
            }
            return check(value, against: target, at: path)
        }
        var problems: [String] = []
        if let type = schema["type"] {
            let allowed = (type as? [String]) ?? [type as? String ?? ""]
            if !allowed.contains(where: { Self.value(value, hasType: $0) }) {
                return ["\(path): expected \(allowed.joined(separator: " or ")), found \(Swift.type(of: value))"]
            }
        }
        if let options = schema["enum"] as? [String], let text = value as? String, !options.contains(text) {
            problems.append("\(path): '\(text)' is not one of \(options)")
        }
        if let pattern = schema["pattern"] as? String, let text = value as? String,
            text.range(of: pattern, options: .regularExpression) == nil
        {
            problems.append("\(path): '\(text)' does not match \(pattern)")
        }
        if let object = value as? [String: Any] {
            for key in schema["required"] as? [String] ?? [] where object[key] == nil {
                problems.append("\(path): missing required key '\(key)'")
            }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, member) in object {
                if let sub = properties[key] as? [String: Any] {
                    problems += check(member, against: sub, at: "\(path).\(key)")
                } else if let extra = schema["additionalProperties"] as? [String: Any] {
                    problems += check(member, against: extra, at: "\(path).\(key)")
                }
            }
        }
        if let array = value as? [Any], let items = schema["items"] as? [String: Any] {
            for (i, item) in array.enumerated() { problems += check(item, against: items, at: "\(path)[\(i)]") }
        }
        return problems
    }

    private static func value(_ value: Any, hasType type: String) -> Bool {
        let number = value as? NSNumber
        let isBool = value is Bool && !(number.map { String(cString: $0.objCType) != "c" } ?? false)
        switch type {
        case "object": return value is [String: Any]
        case "array": return value is [Any]
        case "string": return value is String
        case "null": return value is NSNull
        case "boolean": return isBool
        case "number": return number != nil && !isBool
        case "integer": return number.map { !isBool && $0.doubleValue.rounded() == $0.doubleValue } ?? false
        default: return false
        }
    }
}
