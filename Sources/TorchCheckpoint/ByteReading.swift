/// Little-endian integer loads from raw bytes; callers bounds-check before calling.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func loadLE<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    @inline(__always)
    func u16(_ offset: Int) -> Int { Int(loadLE(UInt16.self, at: offset)) }

    @inline(__always)
    func u32(_ offset: Int) -> Int { Int(loadLE(UInt32.self, at: offset)) }

    @inline(__always)
    func u64(_ offset: Int) -> UInt64 { loadLE(UInt64.self, at: offset) }

    /// Whether `count` bytes starting at `offset` lie within the buffer (overflow-safe).
    @inline(__always)
    func contains(offset: Int, count: Int) -> Bool {
        offset >= 0 && count >= 0 && offset <= self.count && count <= self.count - offset
    }
}
