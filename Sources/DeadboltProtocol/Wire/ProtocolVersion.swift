/// Protocol versions exchanged in HELLO.
public enum ProtocolVersion {
    /// The version this library speaks, and the only one defined so far.
    public static let current: UInt16 = 1
}
