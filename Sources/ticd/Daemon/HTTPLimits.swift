/// Bounds on what one client may send and how long it may take; the server enforces them while reading, so it
/// never buffers past a limit.
struct HTTPLimits: Sendable {
    /// The request line, including its line ending; longer gets 414.
    var maxRequestLineBytes = 8192
    /// All header lines together, including the blank line that ends them; more gets 431.
    var maxHeaderBytes = 32768
    /// Header lines; more gets 431.
    var maxHeaders = 100
    /// The request body (Content-Length); larger gets 413 before any of it is read.
    var maxBodyBytes = 1 << 20
    /// Seconds from accepting a connection until the whole request has arrived; slower gets 408.
    var readTimeout: Double = 5
    /// Seconds allowed to deliver the response to a client that reads slowly.
    var writeTimeout: Double = 10
    /// Connections served at once; the next one is answered 503 and closed.
    var maxConnections = 64
}
