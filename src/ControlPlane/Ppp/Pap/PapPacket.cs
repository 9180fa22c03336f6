namespace PptpGw.ControlPlane.Ppp.Pap;

/// <summary>PAP packet codes (RFC 1334 §2.2).</summary>
public enum PapCode : byte
{
    /// <summary>Authenticate-Request: Peer-ID and Password, sent by the peer being authenticated.</summary>
    AuthenticateRequest = 1,
    /// <summary>Authenticate-Ack: the Peer-ID/Password pair was accepted.</summary>
    AuthenticateAck = 2,
    /// <summary>Authenticate-Nak: the Peer-ID/Password pair was rejected.</summary>
    AuthenticateNak = 3,
}

/// <summary>Why a PAP packet was rejected by <see cref="PapPacket.TryParse"/>.</summary>
public enum PapError
{
    None = 0,
    /// <summary>Fewer than the 4 octets of Code, Identifier and Length.</summary>
    TooShort,
    /// <summary>Length field below 4.</summary>
    LengthTooSmall,
    /// <summary>Length field larger than the octets received (RFC 1661 §5: the packet is discarded).</summary>
    LengthExceedsData,
    /// <summary>Code is not 1, 2 or 3 (RFC 1334 §2.2 defines no other; such packets are silently discarded).</summary>
    UnknownCode,
    /// <summary>Authenticate-Request without the Peer-ID Length octet.</summary>
    MissingPeerIdLength,
    /// <summary>Peer-ID Length runs past the end of the packet (as bounded by the Length field).</summary>
    PeerIdExceedsPacket,
    /// <summary>Authenticate-Request ends right after the Peer-ID: no Passwd-Length octet.</summary>
    MissingPasswordLength,
    /// <summary>Passwd-Length runs past the end of the packet.</summary>
    PasswordExceedsPacket,
    /// <summary>Msg-Length of an Authenticate-Ack/Nak runs past the end of the packet.</summary>
    MessageExceedsPacket,
}

/// <summary>
/// A PAP packet (RFC 1334 §2.2), parsed from the octets after the PPP Protocol field (0xC023).
/// Authenticate-Request carries Peer-ID and Password, each preceded by a one-octet length;
/// Authenticate-Ack/Nak carry Msg-Length and Message. The spans point into the input.
/// </summary>
public readonly ref struct PapPacket
{
    /// <summary>Peer-ID, Password and Message lengths are single octets (RFC 1334 §2.2.1, §2.2.2).</summary>
    public const int MaxFieldLength = byte.MaxValue;

    public PapCode Code { get; }
    public byte Identifier { get; }
    /// <summary>Authenticate-Request only: the Peer-ID (zero or more octets).</summary>
    public ReadOnlySpan<byte> PeerId { get; }
    /// <summary>Authenticate-Request only: the Password (zero or more octets).</summary>
    public ReadOnlySpan<byte> Password { get; }
    /// <summary>Authenticate-Ack/Nak only: the human-readable Message (zero or more octets).</summary>
    public ReadOnlySpan<byte> Message { get; }

    private PapPacket(PapCode code, byte identifier, ReadOnlySpan<byte> peerId, ReadOnlySpan<byte> password, ReadOnlySpan<byte> message)
    {
        Code = code;
        Identifier = identifier;
        PeerId = peerId;
        Password = password;
        Message = message;
    }

    /// <summary>Parses a PAP packet. Never throws.</summary>
    public static PapError TryParse(ReadOnlySpan<byte> input, out PapPacket packet)
    {
        packet = default;
        PppPacketError headerError = PppControlPacket.TryParse(input, out PppControlPacket header);
        switch (headerError)
        {
            case PppPacketError.None: break;
            case PppPacketError.TooShort: return PapError.TooShort;
            case PppPacketError.LengthTooSmall: return PapError.LengthTooSmall;
            default: return PapError.LengthExceedsData;
        }

        ReadOnlySpan<byte> data = header.Data;
        switch ((PapCode)header.Code)
        {
            case PapCode.AuthenticateRequest:
            {
                if (data.IsEmpty)
                    return PapError.MissingPeerIdLength;
                int peerIdLength = data[0];
                if (1 + peerIdLength > data.Length)
                    return PapError.PeerIdExceedsPacket;
                ReadOnlySpan<byte> peerId = data.Slice(1, peerIdLength);
                ReadOnlySpan<byte> rest = data[(1 + peerIdLength)..];
                if (rest.IsEmpty)
                    return PapError.MissingPasswordLength;
                int passwordLength = rest[0];
                if (1 + passwordLength > rest.Length)
                    return PapError.PasswordExceedsPacket;
                // Octets after the Password inside Length are not defined by RFC 1334; they are ignored
                // like padding rather than failing a login over them.
                packet = new PapPacket(PapCode.AuthenticateRequest, header.Identifier, peerId, rest.Slice(1, passwordLength), default);
                return PapError.None;
            }
            case PapCode.AuthenticateAck:
            case PapCode.AuthenticateNak:
            {
                // An Ack/Nak without even the Msg-Length octet is malformed, but pppd (upap_rauthack)
                // accepts it as an empty message, and so do we: the verdict is in the Code.
                ReadOnlySpan<byte> message = default;
                if (!data.IsEmpty)
                {
                    int messageLength = data[0];
                    if (1 + messageLength > data.Length)
                        return PapError.MessageExceedsPacket;
                    message = data.Slice(1, messageLength);
                }
                packet = new PapPacket((PapCode)header.Code, header.Identifier, default, default, message);
                return PapError.None;
            }
            default:
                return PapError.UnknownCode;
        }
    }

    /// <summary>Octets an Authenticate-Request with these fields occupies.</summary>
    public static int GetAuthenticateRequestLength(int peerIdLength, int passwordLength) =>
        PppControlPacket.HeaderLength + 1 + peerIdLength + 1 + passwordLength;

    /// <summary>Octets an Authenticate-Ack/Nak with this message occupies.</summary>
    public static int GetReplyLength(int messageLength) => PppControlPacket.HeaderLength + 1 + messageLength;

    /// <summary>
    /// Writes an Authenticate-Request (RFC 1334 §2.2.1). Returns false when <paramref name="destination"/> is too small.
    /// Throws <see cref="ArgumentOutOfRangeException"/> when Peer-ID or Password exceed 255 octets.
    /// </summary>
    public static bool TryWriteAuthenticateRequest(Span<byte> destination, byte identifier, ReadOnlySpan<byte> peerId, ReadOnlySpan<byte> password, out int bytesWritten)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(peerId.Length, MaxFieldLength, nameof(peerId));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(password.Length, MaxFieldLength, nameof(password));
        bytesWritten = 0;
        int length = GetAuthenticateRequestLength(peerId.Length, password.Length);
        if (destination.Length < length)
            return false;
        PppControlPacket.TryWriteHeader(destination, (byte)PapCode.AuthenticateRequest, identifier, length - PppControlPacket.HeaderLength);
        Span<byte> data = destination[PppControlPacket.HeaderLength..length];
        data[0] = (byte)peerId.Length;
        peerId.CopyTo(data[1..]);
        data[1 + peerId.Length] = (byte)password.Length;
        password.CopyTo(data[(2 + peerId.Length)..]);
        bytesWritten = length;
        return true;
    }

    /// <summary>Writes an Authenticate-Ack (RFC 1334 §2.2.2); see <see cref="TryWriteReply"/>.</summary>
    public static bool TryWriteAuthenticateAck(Span<byte> destination, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten) =>
        TryWriteReply(destination, PapCode.AuthenticateAck, identifier, message, out bytesWritten);

    /// <summary>Writes an Authenticate-Nak (RFC 1334 §2.2.2); see <see cref="TryWriteReply"/>.</summary>
    public static bool TryWriteAuthenticateNak(Span<byte> destination, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten) =>
        TryWriteReply(destination, PapCode.AuthenticateNak, identifier, message, out bytesWritten);

    /// <summary>
    /// Writes an Authenticate-Ack or -Nak. The Identifier MUST be copied from the Request (RFC 1334 §2.2.2).
    /// Returns false when <paramref name="destination"/> is too small; throws when the message exceeds 255 octets
    /// or <paramref name="code"/> is not Ack/Nak.
    /// </summary>
    public static bool TryWriteReply(Span<byte> destination, PapCode code, byte identifier, ReadOnlySpan<byte> message, out int bytesWritten)
    {
        if (code is not (PapCode.AuthenticateAck or PapCode.AuthenticateNak))
            throw new ArgumentOutOfRangeException(nameof(code), code, "Only Authenticate-Ack and Authenticate-Nak carry a message.");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(message.Length, MaxFieldLength, nameof(message));
        bytesWritten = 0;
        int length = GetReplyLength(message.Length);
        if (destination.Length < length)
            return false;
        PppControlPacket.TryWriteHeader(destination, (byte)code, identifier, length - PppControlPacket.HeaderLength);
        destination[PppControlPacket.HeaderLength] = (byte)message.Length;
        message.CopyTo(destination[(PppControlPacket.HeaderLength + 1)..]);
        bytesWritten = length;
        return true;
    }
}
