import Foundation

/// One line of a shard's `cases.jsonl`: the case id under `"case"` beside the fields of `value`
/// (which must encode as a JSON object), compact, keys sorted.
///
/// Doubles are written in the shortest form that reads back to the same bits, so a report
/// aggregated from decoded records equals one aggregated from the values in memory.
public struct ShardRecord<Value> {
    public var caseID: String
    public var value: Value

    /// The record of case `caseID` carrying `value`.
    public init(caseID: String, value: Value) {
        self.caseID = caseID
        self.value = value
    }
}

private enum CaseKey: String, CodingKey { case caseID = "case" }

extension ShardRecord: Encodable where Value: Encodable {
    public func encode(to encoder: Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: CaseKey.self)
        try container.encode(caseID, forKey: .caseID)
    }

    /// The record as one JSON line, newline included.
    public func encodedLine() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0a)
        return data
    }
}

extension ShardRecord: Decodable where Value: Decodable {
    public init(from decoder: Decoder) throws {
        caseID = try decoder.container(keyedBy: CaseKey.self).decode(String.self, forKey: .caseID)
        value = try Value(from: decoder)
    }

    /// Decodes one JSON line (with or without its newline).
    public init(line: Data) throws {
        self = try JSONDecoder().decode(ShardRecord<Value>.self, from: line)
    }
}

/// The case id of a record line, whatever its value type.
struct RecordCaseID: Decodable {
    let caseID: String
    init(from decoder: Decoder) throws {
        caseID = try decoder.container(keyedBy: CaseKey.self).decode(String.self, forKey: .caseID)
    }
}
