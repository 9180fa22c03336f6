using System.Collections.Immutable;
using System.Net;
using System.Text;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>What the PPP peer proved it knows, as the PPP authentication phase collected it.</summary>
public abstract record RadiusCredentials;

/// <summary>PAP (RFC 1334): the clear-text password, sent hidden as User-Password (RFC 2865 §5.2).</summary>
public sealed record PapCredentials(ReadOnlyMemory<byte> Password) : RadiusCredentials
{
    /// <summary>From a string, UTF-8 encoded.</summary>
    public static PapCredentials FromString(string password) => new(Encoding.UTF8.GetBytes(password));
}

/// <summary>CHAP with MD5 (RFC 1994): sent as CHAP-Password (Identifier + 16-octet Response) and CHAP-Challenge (RFC 2865 §5.3, §5.40).</summary>
public sealed record ChapCredentials(byte Identifier, ReadOnlyMemory<byte> Challenge, ReadOnlyMemory<byte> Response) : RadiusCredentials;

/// <summary>MS-CHAPv1 (RFC 2433): MS-CHAP-Challenge (8 octets) + MS-CHAP-Response (RFC 2548 §2.1.1, §2.1.3).</summary>
/// <param name="Flags">1 = use the NT-Response (RFC 2433 §4).</param>
public sealed record MsChapV1Credentials(byte Identifier, ReadOnlyMemory<byte> Challenge, ReadOnlyMemory<byte> LmResponse,
    ReadOnlyMemory<byte> NtResponse, byte Flags = 1) : RadiusCredentials;

/// <summary>MS-CHAPv2 (RFC 2759): MS-CHAP-Challenge (16 octets) + MS-CHAP2-Response (RFC 2548 §2.1.1, §2.3.2).</summary>
public sealed record MsChapV2Credentials(byte Identifier, ReadOnlyMemory<byte> AuthenticatorChallenge, ReadOnlyMemory<byte> PeerChallenge,
    ReadOnlyMemory<byte> NtResponse, byte Flags = 0) : RadiusCredentials;

/// <summary>How the gateway names itself to RADIUS servers (RFC 2865 §5.4, §5.32: at least one of the two).</summary>
/// <param name="NasIpAddress">NAS-IP-Address (IPv4 only); null to omit.</param>
/// <param name="NasIdentifier">NAS-Identifier; null to omit.</param>
public sealed record RadiusNasIdentity(IPAddress? NasIpAddress, string? NasIdentifier)
{
    /// <summary>The default when nothing is configured: NAS-Identifier "pptpgw".</summary>
    public static RadiusNasIdentity Default { get; } = new(null, "pptpgw");
}

/// <summary>One PPP session's Access-Request (RFC 2865 §4.1).</summary>
/// <param name="UserName">The peer's name exactly as PPP carried it (e.g. <c>DOMAIN\user</c>).</param>
public sealed record RadiusAccessRequest(string UserName, RadiusCredentials Credentials)
{
    /// <summary>NAS-Port: the PPTP call id of the session.</summary>
    public uint? NasPort { get; init; }
    /// <summary>Calling-Station-Id: the client's outside address (RFC 2865 §5.31).</summary>
    public string? CallingStationId { get; init; }
    /// <summary>Called-Station-Id: the gateway's address the client dialled.</summary>
    public string? CalledStationId { get; init; }
}

/// <summary>One Accounting-Request (RFC 2866 §4.1, §5).</summary>
public sealed record RadiusAccountingRequest(AcctStatusType StatusType, string SessionId)
{
    /// <summary>User-Name.</summary>
    public string? UserName { get; init; }
    /// <summary>NAS-Port (the PPTP call id).</summary>
    public uint? NasPort { get; init; }
    /// <summary>Framed-IP-Address given to the client.</summary>
    public IPAddress? FramedIpAddress { get; init; }
    /// <summary>Calling-Station-Id.</summary>
    public string? CallingStationId { get; init; }
    /// <summary>Called-Station-Id.</summary>
    public string? CalledStationId { get; init; }
    /// <summary>Acct-Authentic.</summary>
    public AcctAuthentic Authentic { get; init; } = AcctAuthentic.Radius;
    /// <summary>Acct-Session-Time in seconds (Interim-Update and Stop).</summary>
    public uint? SessionTimeSeconds { get; init; }
    /// <summary>Octets from the client; above 2^32 the excess goes in Acct-Input-Gigawords (RFC 2869 §5.1).</summary>
    public ulong InputOctets { get; init; }
    /// <summary>Octets to the client (Acct-Output-Octets + Acct-Output-Gigawords).</summary>
    public ulong OutputOctets { get; init; }
    /// <summary>Packets from the client (saturates at 2^32 − 1).</summary>
    public ulong InputPackets { get; init; }
    /// <summary>Packets to the client.</summary>
    public ulong OutputPackets { get; init; }
    /// <summary>Acct-Terminate-Cause (Stop only).</summary>
    public AcctTerminateCause? TerminateCause { get; init; }
    /// <summary>The Class attributes of the Access-Accept, echoed unmodified (RFC 2865 §5.25).</summary>
    public ImmutableArray<ReadOnlyMemory<byte>> Classes { get; init; } = [];
    /// <summary>When the event happened; Acct-Delay-Time counts from here (RFC 2866 §5.2). Null: the first send.</summary>
    public DateTimeOffset? EventTime { get; init; }
}

/// <summary>Encodes Access- and Accounting-Requests into a buffer; pure functions used by <see cref="RadiusClient"/>.</summary>
public static class RadiusRequestEncoder
{
    /// <summary>
    /// Writes a complete, signed Access-Request: Message-Authenticator first (RFC 3579 §3.2, BlastRADIUS advice) when
    /// <paramref name="messageAuthenticator"/>, User-Name, the credentials' attributes, NAS-IP-Address/NAS-Identifier,
    /// NAS-Port, NAS-Port-Type Virtual, Service-Type Framed, Framed-Protocol PPP, Calling/Called-Station-Id, and
    /// Tunnel-Type PPTP / Tunnel-Medium-Type IPv4 (RFC 2868 §3.1-3.2, tag 0). <paramref name="requestAuthenticator"/>
    /// is the random Request Authenticator to use. Returns the length, or 0 if it does not fit.
    /// </summary>
    public static int EncodeAccessRequest(Span<byte> buffer, byte identifier, ReadOnlySpan<byte> requestAuthenticator, ReadOnlySpan<byte> secret,
        RadiusAccessRequest request, RadiusNasIdentity nas, bool messageAuthenticator)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(nas);
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccessRequest, identifier);
        requestAuthenticator.CopyTo(w.Authenticator);
        int ma = messageAuthenticator ? w.WriteMessageAuthenticator() : -1;
        w.WriteText(RadiusAttributeType.UserName, request.UserName);
        switch (request.Credentials)
        {
            case PapCredentials pap:
                if (w.TryReserve(RadiusAttributeType.UserPassword, RadiusAuthenticator.HiddenPasswordLength(pap.Password.Length), out var hidden))
                    RadiusAuthenticator.TryHidePassword(pap.Password.Span, secret, requestAuthenticator, hidden, out _);
                break;
            case ChapCredentials chap:
                if (w.TryReserve(RadiusAttributeType.ChapPassword, 1 + chap.Response.Length, out var chapPassword))
                {
                    chapPassword[0] = chap.Identifier;
                    chap.Response.Span.CopyTo(chapPassword[1..]);
                }
                w.Write(RadiusAttributeType.ChapChallenge, chap.Challenge.Span);
                break;
            case MsChapV1Credentials v1:
                w.WriteMicrosoft(MicrosoftAttributeType.MsChapChallenge, v1.Challenge.Span);
                if (v1.LmResponse.Length != 24 || v1.NtResponse.Length != 24)
                    throw new ArgumentException("MS-CHAPv1 responses are 24 octets each (RFC 2433 §4).", nameof(request));
                if (w.TryReserveVendor(RadiusVendor.Microsoft, (byte)MicrosoftAttributeType.MsChapResponse, 50, out var v1Response))
                {
                    // RFC 2548 §2.1.3: Ident, Flags, LM-Response, NT-Response.
                    v1Response[0] = v1.Identifier;
                    v1Response[1] = v1.Flags;
                    v1.LmResponse.Span.CopyTo(v1Response[2..]);
                    v1.NtResponse.Span.CopyTo(v1Response[26..]);
                }
                break;
            case MsChapV2Credentials v2:
                w.WriteMicrosoft(MicrosoftAttributeType.MsChapChallenge, v2.AuthenticatorChallenge.Span);
                if (v2.PeerChallenge.Length != 16 || v2.NtResponse.Length != 24)
                    throw new ArgumentException("MS-CHAPv2 Peer-Challenge is 16 octets, NT-Response 24 (RFC 2759 §4).", nameof(request));
                if (w.TryReserveVendor(RadiusVendor.Microsoft, (byte)MicrosoftAttributeType.MsChap2Response, 50, out var v2Response))
                {
                    // RFC 2548 §2.3.2: Ident, Flags, Peer-Challenge, Reserved (8 zero), Response.
                    v2Response.Clear();
                    v2Response[0] = v2.Identifier;
                    v2Response[1] = v2.Flags;
                    v2.PeerChallenge.Span.CopyTo(v2Response[2..]);
                    v2.NtResponse.Span.CopyTo(v2Response[26..]);
                }
                break;
            default:
                throw new ArgumentException("Unknown credentials type.", nameof(request));
        }
        WriteNas(ref w, nas, request.NasPort);
        w.WriteUInt32(RadiusAttributeType.ServiceType, (uint)RadiusServiceType.Framed);
        w.WriteUInt32(RadiusAttributeType.FramedProtocol, (uint)RadiusFramedProtocol.Ppp);
        if (request.CallingStationId is not null)
            w.WriteText(RadiusAttributeType.CallingStationId, request.CallingStationId);
        if (request.CalledStationId is not null)
            w.WriteText(RadiusAttributeType.CalledStationId, request.CalledStationId);
        w.WriteTaggedUInt24(RadiusAttributeType.TunnelType, 0, (uint)RadiusTunnelType.Pptp);
        w.WriteTaggedUInt24(RadiusAttributeType.TunnelMediumType, 0, (uint)RadiusTunnelMediumType.IPv4);
        var packet = w.Complete();
        if (packet.IsEmpty)
            return 0;
        RadiusAuthenticator.SignRequest(packet, secret, ma);
        return packet.Length;
    }

    /// <summary>
    /// Writes a complete, signed Accounting-Request (RFC 2866 §3 Request Authenticator) with Acct-Delay-Time
    /// <paramref name="delaySeconds"/> as its last attribute (so a retransmission can change it in place,
    /// <see cref="RadiusAccountingFormat.PrepareTransmission"/>) and Event-Timestamp (RFC 2869 §5.3) when the request has
    /// an event time. Accounting-On/Off (RFC 2866 §5.1) carry only what names the gateway. Returns the length, or 0 if it
    /// does not fit.
    /// </summary>
    public static int EncodeAccountingRequest(Span<byte> buffer, byte identifier, ReadOnlySpan<byte> secret, RadiusAccountingRequest request,
        RadiusNasIdentity nas, uint delaySeconds)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(nas);
        var w = new RadiusPacketWriter(buffer, RadiusCode.AccountingRequest, identifier);
        w.WriteUInt32(RadiusAttributeType.AcctStatusType, (uint)request.StatusType);
        w.WriteText(RadiusAttributeType.AcctSessionId, request.SessionId);
        bool system = request.StatusType is AcctStatusType.AccountingOn or AcctStatusType.AccountingOff;
        if (system)
        {
            if (nas.NasIpAddress is not null)
                w.WriteIPv4(RadiusAttributeType.NasIpAddress, nas.NasIpAddress);
            if (nas.NasIdentifier is not null)
                w.WriteText(RadiusAttributeType.NasIdentifier, nas.NasIdentifier);
        }
        else
        {
            if (request.UserName is not null)
                w.WriteText(RadiusAttributeType.UserName, request.UserName);
            WriteNas(ref w, nas, request.NasPort);
            w.WriteUInt32(RadiusAttributeType.ServiceType, (uint)RadiusServiceType.Framed);
            w.WriteUInt32(RadiusAttributeType.FramedProtocol, (uint)RadiusFramedProtocol.Ppp);
            if (request.FramedIpAddress is not null)
                w.WriteIPv4(RadiusAttributeType.FramedIpAddress, request.FramedIpAddress);
            if (request.CallingStationId is not null)
                w.WriteText(RadiusAttributeType.CallingStationId, request.CallingStationId);
            if (request.CalledStationId is not null)
                w.WriteText(RadiusAttributeType.CalledStationId, request.CalledStationId);
            w.WriteUInt32(RadiusAttributeType.AcctAuthentic, (uint)request.Authentic);
            w.WriteTaggedUInt24(RadiusAttributeType.TunnelType, 0, (uint)RadiusTunnelType.Pptp);
            w.WriteTaggedUInt24(RadiusAttributeType.TunnelMediumType, 0, (uint)RadiusTunnelMediumType.IPv4);
            foreach (var cls in request.Classes)
                w.Write(RadiusAttributeType.Class, cls.Span);
        }
        if (request.StatusType is AcctStatusType.InterimUpdate or AcctStatusType.Stop)
        {
            w.WriteUInt32(RadiusAttributeType.AcctSessionTime, request.SessionTimeSeconds ?? 0);
            // RFC 2869 §5.1-5.2: the low 32 bits in -Octets, the number of 2^32 wraps in -Gigawords.
            w.WriteUInt32(RadiusAttributeType.AcctInputOctets, (uint)request.InputOctets);
            w.WriteUInt32(RadiusAttributeType.AcctOutputOctets, (uint)request.OutputOctets);
            w.WriteUInt32(RadiusAttributeType.AcctInputGigawords, (uint)(request.InputOctets >> 32));
            w.WriteUInt32(RadiusAttributeType.AcctOutputGigawords, (uint)(request.OutputOctets >> 32));
            w.WriteUInt32(RadiusAttributeType.AcctInputPackets, (uint)Math.Min(request.InputPackets, uint.MaxValue));
            w.WriteUInt32(RadiusAttributeType.AcctOutputPackets, (uint)Math.Min(request.OutputPackets, uint.MaxValue));
        }
        if (request.StatusType == AcctStatusType.Stop && request.TerminateCause is { } cause)
            w.WriteUInt32(RadiusAttributeType.AcctTerminateCause, (uint)cause);
        if (request.EventTime is { } eventTime)
            w.WriteUInt32(RadiusAttributeType.EventTimestamp, (uint)Math.Clamp(eventTime.ToUnixTimeSeconds(), 0, uint.MaxValue));
        w.WriteUInt32(RadiusAttributeType.AcctDelayTime, delaySeconds); // last: see RadiusAccountingFormat.PrepareTransmission
        var packet = w.Complete();
        if (packet.IsEmpty)
            return 0;
        RadiusAuthenticator.SignRequest(packet, secret, -1);
        return packet.Length;
    }

    private static void WriteNas(ref RadiusPacketWriter w, RadiusNasIdentity nas, uint? nasPort)
    {
        if (nas.NasIpAddress is not null)
            w.WriteIPv4(RadiusAttributeType.NasIpAddress, nas.NasIpAddress);
        if (nas.NasIdentifier is not null)
            w.WriteText(RadiusAttributeType.NasIdentifier, nas.NasIdentifier);
        if (nasPort is { } port)
            w.WriteUInt32(RadiusAttributeType.NasPort, port);
        w.WriteUInt32(RadiusAttributeType.NasPortType, (uint)RadiusNasPortType.Virtual);
    }
}
