using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using PptpGw.ControlPlane.Aaa.Accounting;

namespace PptpGw.ControlPlane.Aaa.Radius;

/// <summary>
/// RADIUS accounting records (RFC 2866): the payload is the whole Accounting-Request with Identifier 0 and
/// Acct-Delay-Time 0 as its last attribute; each transmission copies it, sets the Identifier and Acct-Delay-Time and signs
/// it with the server's secret (<see cref="PrepareTransmission"/>), so a retransmission is a new packet as RFC 2866
/// §5.2 wants while the record itself never changes.
/// </summary>
public sealed class RadiusAccountingFormat : IAccountingRecordFormat
{
    private const int DelayAttributeLength = 6;

    /// <summary>A format naming the gateway as <paramref name="nas"/> (NAS-IP-Address, NAS-Identifier).</summary>
    public RadiusAccountingFormat(RadiusNasIdentity nas)
    {
        ArgumentNullException.ThrowIfNull(nas);
        Nas = nas;
    }

    /// <summary>How the gateway names itself.</summary>
    public RadiusNasIdentity Nas { get; }

    /// <inheritdoc/>
    public byte[] Encode(AccountingEvent accountingEvent)
    {
        ArgumentNullException.ThrowIfNull(accountingEvent);
        AccountingSessionData? s = accountingEvent.Session;
        var type = accountingEvent.Kind switch
        {
            AccountingRecordKind.Start => AcctStatusType.Start,
            AccountingRecordKind.Interim => AcctStatusType.InterimUpdate,
            AccountingRecordKind.Stop => AcctStatusType.Stop,
            AccountingRecordKind.AccountingOn => AcctStatusType.AccountingOn,
            _ => AcctStatusType.AccountingOff,
        };
        var request = new RadiusAccountingRequest(type, accountingEvent.SessionId)
        {
            UserName = s?.UserName,
            NasPort = s?.NasPort,
            FramedIpAddress = s?.FramedIpAddress,
            CallingStationId = s?.CallingStationId,
            CalledStationId = s?.CalledStationId,
            Classes = s?.Classes ?? [],
            Authentic = s?.Authentic ?? AcctAuthentic.Radius,
            EventTime = accountingEvent.Time,
        };
        if (accountingEvent.Kind is AccountingRecordKind.Interim or AccountingRecordKind.Stop)
        {
            AccountingCounters c = accountingEvent.Counters;
            request = request with
            {
                SessionTimeSeconds = (uint)Math.Clamp((accountingEvent.Time - accountingEvent.SessionStart).TotalSeconds, 0, uint.MaxValue),
                InputOctets = c.InputOctets,
                OutputOctets = c.OutputOctets,
                InputPackets = c.InputPackets,
                OutputPackets = c.OutputPackets,
                TerminateCause = accountingEvent.Cause,
            };
        }
        byte[] buffer = new byte[RadiusPacket.MaxLength];
        int length = RadiusRequestEncoder.EncodeAccountingRequest(buffer, 0, [], request, Nas, 0);
        if (length == 0)
            throw new ArgumentException($"the {type} of session {accountingEvent.SessionId} does not fit in {RadiusPacket.MaxLength} octets", nameof(accountingEvent));
        return buffer[..length];
    }

    /// <summary>
    /// Turns a copy of a payload into the packet of one transmission: Identifier, Acct-Delay-Time, and the Request
    /// Authenticator over <paramref name="secret"/> (RFC 2866 §3). False when <paramref name="packet"/> is not such a payload.
    /// </summary>
    public static bool PrepareTransmission(Span<byte> packet, byte identifier, uint delaySeconds, ReadOnlySpan<byte> secret)
    {
        if (packet.Length < RadiusPacket.HeaderLength + DelayAttributeLength
            || packet[^DelayAttributeLength] != (byte)RadiusAttributeType.AcctDelayTime || packet[^(DelayAttributeLength - 1)] != DelayAttributeLength)
            return false;
        packet[1] = identifier;
        BinaryPrimitives.WriteUInt32BigEndian(packet[^4..], delaySeconds);
        RadiusAuthenticator.SignRequest(packet, secret, -1);
        return true;
    }

    /// <inheritdoc/>
    public string Describe(ReadOnlySpan<byte> payload)
    {
        if (RadiusPacket.TryParse(payload, out RadiusPacket p) != RadiusPacketError.None)
            throw new ArgumentException("not a RADIUS packet", nameof(payload));
        var sb = new StringBuilder();
        Text(sb, p, "user", RadiusAttributeType.UserName);
        Text(sb, p, "Acct-Session-Id", RadiusAttributeType.AcctSessionId);
        Text(sb, p, "Calling-Station-Id", RadiusAttributeType.CallingStationId);
        if (p.TryGetAttribute(RadiusAttributeType.FramedIpAddress, out ReadOnlySpan<byte> ip) && ip.Length == 4)
            sb.Append(CultureInfo.InvariantCulture, $"Framed-IP-Address {ip[0]}.{ip[1]}.{ip[2]}.{ip[3]}, ");
        if (Number(p, RadiusAttributeType.AcctSessionTime) is { } time)
        {
            ulong input = ((ulong)(Number(p, RadiusAttributeType.AcctInputGigawords) ?? 0) << 32) | (Number(p, RadiusAttributeType.AcctInputOctets) ?? 0);
            ulong output = ((ulong)(Number(p, RadiusAttributeType.AcctOutputGigawords) ?? 0) << 32) | (Number(p, RadiusAttributeType.AcctOutputOctets) ?? 0);
            sb.Append(CultureInfo.InvariantCulture,
                $"Acct-Session-Time {time} s, input {input} octets {Number(p, RadiusAttributeType.AcctInputPackets) ?? 0} packets, output {output} octets {Number(p, RadiusAttributeType.AcctOutputPackets) ?? 0} packets, ");
        }
        if (Number(p, RadiusAttributeType.AcctTerminateCause) is { } cause)
            sb.Append(CultureInfo.InvariantCulture, $"Acct-Terminate-Cause {(AcctTerminateCause)cause}, ");
        if (Number(p, RadiusAttributeType.EventTimestamp) is { } ts)
            sb.Append(CultureInfo.InvariantCulture, $"Event-Timestamp {ts}, ");
        return sb.Length > 2 ? sb.ToString(0, sb.Length - 2) : "no attributes";
    }

    private static void Text(StringBuilder sb, RadiusPacket p, string name, RadiusAttributeType type)
    {
        if (p.TryGetAttribute(type, out ReadOnlySpan<byte> v))
            sb.Append(CultureInfo.InvariantCulture, $"{name} {Encoding.UTF8.GetString(v)}, ");
    }

    private static uint? Number(RadiusPacket p, RadiusAttributeType type) =>
        p.TryGetAttribute(type, out ReadOnlySpan<byte> v) && v.Length == 4 ? BinaryPrimitives.ReadUInt32BigEndian(v) : null;
}
