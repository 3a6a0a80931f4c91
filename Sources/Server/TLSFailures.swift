import Resolver
import Transport

/// Transport's TLS failures in the core's words (`Event.tlsFailed`), so a
/// SERVFAIL after a failed DoT upstream says which check failed
/// (UpstreamDoTFailures.swift). Other failures stay `.failed`.
extension ServerSockets {
    static func tlsFailureKind(_ why: TransportFailure) -> TLSFailureKind? {
        switch why {
        case .tlsCertificate: return .certificate
        case .tlsPinMismatch: return .pinMismatch
        case .tlsHandshake: return .handshake
        case .tlsHandshakeTimeout: return .handshakeTimeout
        case .tlsProtocol: return .badRecord
        case .tlsAnswerTimeout: return .answerTimeout
        case .tlsNoMemory: return .noMemory
        case .refused, .unreachable, .reset, .closedMidAnswer, .oversizeFrame, .malformedFrame, .socketError:
            return nil
        }
    }
}
