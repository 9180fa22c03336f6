using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using PptpGw.ControlPlane.Ppp.Fsm;
using PptpGw.ControlPlane.Ppp.Session;

namespace PptpGw.ControlPlane.Ppp.Lcp;

/// <summary>
/// The LCP half of the RFC 1661 automaton (<see cref="IPppFsmLayer"/>) for both roles: MRU, ACCM, Authentication-Protocol,
/// Magic-Number with loopback detection, PFC, ACFC; everything else is Configure-Rejected verbatim (RFC 1661 §5.4:
/// Windows' Callback 13, MRRU 17, Endpoint Discriminator 19 ...). Echo-Request is answered with our magic; Identification
/// and Time-Remaining (RFC 1570) are logged; Protocol-Reject is reported to the session.
/// All members are called under the session lock.
/// </summary>
public sealed class LcpLayer : IPppFsmLayer
{
    private const ushort DefaultMru = 1500;
    /// <summary>Smallest MRU we accept from a Nak of ours or send in a packet (RFC 791's 576 would be too strict for tiny links; 128 is pppd's MINMRU).</summary>
    private const ushort MinimumMru = 128;

    private readonly PppRole _role;
    private readonly LcpLayerOptions _options;
    private readonly IPppLayerEvents _events;
    private readonly PppAuthProtocols _authSet;

    // Our request.
    private ushort _requestMru;
    private bool _mruRejected;
    private bool _pfcRejected;
    private bool _acfcRejected;
    private bool _magicRejected;
    private uint _magic;
    private PppAuthProtocol? _requestAuth;
    private PppAuthProtocols _refusedAuth;
    private bool _authFailed;
    private int _magicCollisions;

    public LcpLayer(PppRole role, LcpLayerOptions options, IPppLayerEvents events)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(events);
        _role = role;
        _options = options;
        _events = events;
        _authSet = options.AuthenticationProtocolSet;
        Reset();
    }

    /// <summary>Our Magic-Number (RFC 1661 §6.4), as last requested.</summary>
    public uint MagicNumber => _magic;

    /// <summary>The peer's Magic-Number from the request we acknowledged (0: none).</summary>
    public uint PeerMagicNumber { get; private set; }

    /// <summary>The peer's MRU: the largest packet we may send (RFC 1661 §6.1; 1500 when it did not say).</summary>
    public ushort PeerMru { get; private set; } = DefaultMru;

    /// <summary>The MRU the peer acknowledged for us (1500 when we did not ask).</summary>
    public ushort LocalMru { get; private set; } = DefaultMru;

    /// <summary>We may send compressed Protocol fields: the peer asked for PFC and we acknowledged it (RFC 1661 §6.5).</summary>
    public bool TransmitProtocolFieldCompression { get; private set; }

    /// <summary>We may omit FF 03: the peer asked for ACFC and we acknowledged it (RFC 1661 §6.6).</summary>
    public bool TransmitAddressControlFieldCompression { get; private set; }

    /// <summary>
    /// The authentication protocol in force once LCP is Opened: server, the one the peer acknowledged in our request;
    /// client, the one we acknowledged in the server's request. Null: no authentication.
    /// </summary>
    public PppAuthProtocol? AuthenticationProtocol { get; private set; }

    /// <summary>Magic-Number collisions seen (RFC 1661 §6.4); repeated ones suggest a looped-back link.</summary>
    public int MagicCollisions => _magicCollisions;

    /// <summary>True once the server gave up finding an authentication protocol the peer accepts.</summary>
    public bool AuthenticationNegotiationFailed => _authFailed;

    private void Reset()
    {
        _requestMru = _options.Mru;
        _mruRejected = _pfcRejected = _acfcRejected = _magicRejected = false;
        _magic = NewMagic(0);
        _refusedAuth = PppAuthProtocols.None;
        _authFailed = false;
        _requestAuth = _role == PppRole.Server && PppAuthProtocolOption.TrySelectPreferred(_authSet, out PppAuthProtocol first) ? first : null;
    }

    private static uint NewMagic(uint avoid)
    {
        Span<byte> random = stackalloc byte[4];
        uint value;
        do
        {
            RandomNumberGenerator.Fill(random);
            value = BinaryPrimitives.ReadUInt32BigEndian(random);
        }
        while (value == 0 || value == avoid); // §6.4: zero is not a valid Magic-Number
        return value;
    }

    // ------------------------------------------------------------------ our Configure-Request

    public int WriteConfigureRequest(Span<byte> options)
    {
        var writer = new ConfigurationOptionWriter(options);
        bool ok = true;
        if (!_mruRejected && _requestMru != DefaultMru)
            ok &= writer.TryWriteMaximumReceiveUnit(_requestMru);
        if (_role == PppRole.Server && _requestAuth is { } auth)
        {
            Span<byte> data = stackalloc byte[PppAuthProtocolOption.MaxDataLength];
            PppAuthProtocolOption.TryWrite(auth, data, out int n);
            ok &= writer.TryWrite((byte)LcpOptionType.AuthenticationProtocol, data[..n]);
        }
        if (!_magicRejected)
            ok &= writer.TryWriteMagicNumber(_magic);
        if (_options.RequestProtocolFieldCompression && !_pfcRejected)
            ok &= writer.TryWriteProtocolFieldCompression();
        if (_options.RequestAddressControlFieldCompression && !_acfcRejected)
            ok &= writer.TryWriteAddressAndControlFieldCompression();
        return ok ? writer.BytesWritten : -1;
    }

    public void ReceiveConfigureAck(ReadOnlySpan<byte> options)
    {
        LocalMru = !_mruRejected && _requestMru != DefaultMru ? _requestMru : DefaultMru;
        if (_role == PppRole.Server)
            AuthenticationProtocol = _requestAuth;
    }

    public bool ReceiveConfigureNak(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return false;
            if (LcpOption.TryDecode(raw, out LcpOption option) != LcpOptionError.None)
                return false;
            switch (option.Type)
            {
                case LcpOptionType.MaximumReceiveUnit:
                    // §6.1: the peer suggests an MRU it can live with; never above what we configured, never absurdly small.
                    _requestMru = Math.Clamp(option.MaximumReceiveUnit, MinimumMru, _options.Mru);
                    break;
                case LcpOptionType.MagicNumber:
                    // §6.4: a Nak of our Magic-Number means the peer saw its own: pick a new one.
                    _magicCollisions++;
                    _magic = NewMagic(option.MagicNumber);
                    if (_magicCollisions >= _options.LoopbackLimit)
                        _events.Log(PppLayerKind.Lcp, $"loopback: {_magicCollisions} Magic-Number collisions, the link may be looped back");
                    break;
                case LcpOptionType.AuthenticationProtocol when _role == PppRole.Server:
                    NakedAuthentication(option.Option.Data);
                    break;
                default:
                    break; // a hint for an option we did not send: we do not want it (RFC 1661 §5.3 lets us ignore it)
            }
        }
        return true;
    }

    /// <summary>Server: the peer Nak'd our Authentication-Protocol, possibly suggesting another (RFC 1661 §6.2).</summary>
    private void NakedAuthentication(ReadOnlySpan<byte> data)
    {
        if (_requestAuth is not { } refused)
            return;
        bool suggested = PppAuthProtocolOption.TryParse(data, out PppAuthProtocol wanted) == PppAuthProtocolOptionError.None;
        _events.Log(PppLayerKind.Lcp, suggested
            ? $"peer refuses {refused}, suggests {wanted}"
            : $"peer refuses {refused}, suggests an authentication protocol we do not know");
        _refusedAuth |= refused.ToSet();
        if (suggested && _authSet.Contains(wanted) && !_refusedAuth.Contains(wanted))
        {
            _requestAuth = wanted;
            return;
        }
        if (PppAuthProtocolOption.TrySelectPreferred(_authSet & ~_refusedAuth, out PppAuthProtocol next))
        {
            _requestAuth = next;
            return;
        }
        FailAuthentication("no authentication protocol acceptable to the peer");
    }

    private void FailAuthentication(string reason)
    {
        if (_authFailed)
            return;
        _authFailed = true;
        _events.AuthenticationNegotiationFailed(reason);
    }

    public bool ReceiveConfigureReject(ReadOnlySpan<byte> options)
    {
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption option) != ConfigurationOptionError.None)
                return false;
            switch ((LcpOptionType)option.Type)
            {
                case LcpOptionType.MaximumReceiveUnit: _mruRejected = true; break;
                case LcpOptionType.MagicNumber: _magicRejected = true; break;
                case LcpOptionType.ProtocolFieldCompression: _pfcRejected = true; break;
                case LcpOptionType.AddressAndControlFieldCompression: _acfcRejected = true; break;
                case LcpOptionType.AuthenticationProtocol:
                    // §6.2: a peer that will not authenticate at all cannot use this server.
                    FailAuthentication("peer rejected authentication");
                    break;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ the peer's Configure-Request

    public ConfigureVerdict JudgeConfigureRequest(ReadOnlySpan<byte> options, Span<byte> response, out int responseLength)
    {
        responseLength = 0;
        // Pass 1: options to reject (RFC 1661 §5.4 takes precedence over Nak, §5.3).
        var rejects = new ConfigurationOptionWriter(response);
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            if (reader.TryReadNext(out ConfigurationOption raw) != ConfigurationOptionError.None)
                return ConfigureVerdict.Discard; // §5: a malformed packet is silently discarded
            if (!IsAcceptableType(raw))
                rejects.TryWriteRaw(raw);
        }
        if (rejects.BytesWritten > 0)
        {
            responseLength = rejects.BytesWritten;
            return ConfigureVerdict.Reject;
        }

        // Pass 2: values to Nak; otherwise collect what an Ack would commit.
        var naks = new ConfigurationOptionWriter(response);
        ushort peerMru = DefaultMru;
        uint peerMagic = 0;
        bool pfc = false, acfc = false;
        PppAuthProtocol? peerAuth = null;
        Span<byte> authData = stackalloc byte[PppAuthProtocolOption.MaxDataLength];
        reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            reader.TryReadNext(out ConfigurationOption raw);
            LcpOption.TryDecode(raw, out LcpOption option);
            switch (option.Type)
            {
                case LcpOptionType.MaximumReceiveUnit:
                    if (option.MaximumReceiveUnit < MinimumMru)
                        naks.TryWriteMaximumReceiveUnit(MinimumMru);
                    else
                        peerMru = option.MaximumReceiveUnit;
                    break;
                case LcpOptionType.AsyncControlCharacterMap:
                    break; // RFC 1662 §7.1: meaningless over PPTP's octet-synchronous GRE, acknowledged as pppd does
                case LcpOptionType.MagicNumber:
                {
                    uint magic = option.MagicNumber;
                    if (magic == 0 || (magic == _magic && !_magicRejected))
                    {
                        // §6.4: equal magic numbers (or zero): Nak with a different value; keep count for loopback.
                        if (magic != 0)
                        {
                            _magicCollisions++;
                            if (_magicCollisions >= _options.LoopbackLimit)
                                _events.Log(PppLayerKind.Lcp, $"loopback: {_magicCollisions} Magic-Number collisions, the link may be looped back");
                        }
                        naks.TryWriteMagicNumber(NewMagic(_magic));
                    }
                    else
                    {
                        peerMagic = magic;
                    }
                    break;
                }
                case LcpOptionType.ProtocolFieldCompression:
                    pfc = true;
                    break;
                case LcpOptionType.AddressAndControlFieldCompression:
                    acfc = true;
                    break;
                case LcpOptionType.AuthenticationProtocol:
                    // Only reaches here in the client role (IsAcceptableType rejects it for the server).
                    if (PppAuthProtocolOption.TryParse(raw.Data, out PppAuthProtocol asked) == PppAuthProtocolOptionError.None
                        && _authSet.Contains(asked))
                    {
                        peerAuth = asked;
                    }
                    else
                    {
                        // §6.2: Nak with the protocol we prefer.
                        PppAuthProtocolOption.TrySelectPreferred(_authSet, out PppAuthProtocol preferred);
                        PppAuthProtocolOption.TryWrite(preferred, authData, out int n);
                        naks.TryWrite((byte)LcpOptionType.AuthenticationProtocol, authData[..n]);
                    }
                    break;
            }
        }
        if (naks.BytesWritten > 0)
        {
            responseLength = naks.BytesWritten;
            return ConfigureVerdict.Nak;
        }

        PeerMru = peerMru;
        PeerMagicNumber = peerMagic;
        TransmitProtocolFieldCompression = pfc;
        TransmitAddressControlFieldCompression = acfc;
        if (_role == PppRole.Client)
            AuthenticationProtocol = peerAuth;
        return ConfigureVerdict.Ack;
    }

    /// <summary>Pass 1 of the judgement: options we recognise, with a valid length, that this role accepts.</summary>
    private bool IsAcceptableType(ConfigurationOption raw)
    {
        if (LcpOption.TryDecode(raw, out _) != LcpOptionError.None)
            return false; // a known type with a wrong length cannot be Nak'd meaningfully: reject it verbatim
        switch ((LcpOptionType)raw.Type)
        {
            case LcpOptionType.MaximumReceiveUnit:
            case LcpOptionType.AsyncControlCharacterMap:
            case LcpOptionType.MagicNumber:
            case LcpOptionType.ProtocolFieldCompression:
            case LcpOptionType.AddressAndControlFieldCompression:
                return true;
            case LcpOptionType.AuthenticationProtocol:
                // Server: we do not authenticate ourselves to dial-in clients. Client: reject only when we can do nothing.
                return _role == PppRole.Client && _authSet != PppAuthProtocols.None;
            default:
                // Quality-Protocol, Callback (13), MRRU (17), Endpoint Discriminator (19), anything unknown.
                return false;
        }
    }

    // ------------------------------------------------------------------ layer events

    public void ThisLayerUp()
    {
        _events.Log(PppLayerKind.Lcp, $"opened: MRU {LocalMru}/{PeerMru}, magic {_magic:x8}/{PeerMagicNumber:x8}, "
            + $"auth {AuthenticationProtocol?.ToString() ?? "none"}, tx PFC {TransmitProtocolFieldCompression} ACFC {TransmitAddressControlFieldCompression}");
        _events.LayerUp(PppLayerKind.Lcp);
    }

    public void ThisLayerDown()
    {
        TransmitProtocolFieldCompression = false;
        TransmitAddressControlFieldCompression = false;
        _events.LayerDown(PppLayerKind.Lcp);
    }

    public void ThisLayerStarted() { }

    public void ThisLayerFinished()
    {
        Reset();
        _events.LayerFinished(PppLayerKind.Lcp);
    }

    // ------------------------------------------------------------------ codes 8-13

    public ExtendedCodeResult ReceiveExtendedCode(PppControlPacket packet)
    {
        // Each code through its codec (LcpPackets.cs); a packet too short for its fixed fields is malformed and ignored.
        switch ((LcpCode)packet.Code)
        {
            case LcpCode.ProtocolReject:
            {
                if (LcpProtocolReject.TryParse(packet, out LcpProtocolReject reject) != LcpPacketError.None)
                    return ExtendedCodeResult.Handled; // §5.7 needs the Rejected-Protocol
                ushort protocol = reject.RejectedProtocol;
                _events.Log(PppLayerKind.Lcp, $"Protocol-Reject of 0x{protocol:x4}");
                if (protocol == Dataplane.Packets.PppProtocol.Lcp)
                    return ExtendedCodeResult.RejectCatastrophic;
                _events.ProtocolRejected(protocol);
                return ExtendedCodeResult.RejectPermitted;
            }
            case LcpCode.EchoRequest:
            case LcpCode.EchoReply:
            case LcpCode.DiscardRequest:
                // §5.8: the automaton answers (or discards); a short packet is still the automaton's to count.
                if (LcpEchoPacket.TryParse(packet, out LcpEchoPacket echo) == LcpPacketError.None
                    && echo.MagicNumber != 0 && echo.MagicNumber == _magic && !_magicRejected)
                    _events.Log(PppLayerKind.Lcp, "loopback: received our own Magic-Number in an echo packet");
                return ExtendedCodeResult.EchoOrDiscard;
            case LcpCode.Identification:
                // RFC 1570 §2.1: informational only ("MSRASV5.00", "MSRAS-1-<host>"); never answered.
                if (LcpIdentification.TryParse(packet, out LcpIdentification identification) == LcpPacketError.None)
                    _events.Log(PppLayerKind.Lcp, $"Identification: {Printable(identification.Message)}");
                return ExtendedCodeResult.Handled;
            case LcpCode.TimeRemaining:
                if (LcpTimeRemaining.TryParse(packet, out LcpTimeRemaining remaining) == LcpPacketError.None)
                    _events.Log(PppLayerKind.Lcp, $"Time-Remaining: {remaining.SecondsRemaining} s {Printable(remaining.Message)}");
                return ExtendedCodeResult.Handled;
            default:
                return ExtendedCodeResult.Unknown;
        }
    }

    public int WriteEchoReply(byte requestCode, ReadOnlySpan<byte> requestData, Span<byte> replyData)
    {
        // §5.8: only an Echo-Request is answered, with our Magic-Number and the request's data after its own.
        if (requestCode != (byte)LcpCode.EchoRequest || requestData.Length < 4)
            return -1;
        ReadOnlySpan<byte> rest = requestData[4..];
        int room = Math.Min(replyData.Length, PeerMru - PppControlPacket.HeaderLength) - 4;
        if (room < 0)
            return -1;
        if (rest.Length > room)
            rest = rest[..room];
        BinaryPrimitives.WriteUInt32BigEndian(replyData, _magicRejected ? 0 : _magic);
        rest.CopyTo(replyData[4..]);
        return 4 + rest.Length;
    }

    private static string Printable(ReadOnlySpan<byte> text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (byte b in text)
            builder.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return builder.ToString();
    }
}
