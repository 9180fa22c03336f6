using System.Net;
using System.Net.Sockets;

namespace PptpGw.ControlPlane.Logging;

/// <summary>
/// Sends records to a remote syslog collector over UDP (<c>logging host</c>; RFC 5426 transport, one message per
/// datagram), in RFC 3164 or RFC 5424 framing. Never blocks and never throws: the socket is non-blocking and a send
/// that fails (no route, ICMP port unreachable reported back, a full buffer) drops the record, counted in
/// <see cref="Dropped"/>. Debug-class lines are not sent (the PIX sends them to the console only).
/// </summary>
public sealed class RemoteSyslogSink : ILogSink, IDisposable
{
    /// <summary>RFC 5426 §3.2: IPv4 receivers must take 480 octets and should take 2048; the PIX cuts at 1024 (RFC 3164).</summary>
    public const int MaxDatagramLength = 2048;

    private readonly RemoteSyslogSinkOptions _options;
    private readonly Socket _socket;
    private long _sent;
    private long _dropped;

    /// <summary>Opens the UDP socket towards <see cref="RemoteSyslogSinkOptions.EndPoint"/>.</summary>
    public RemoteSyslogSink(RemoteSyslogSinkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _socket = new Socket(options.EndPoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { Blocking = false };
    }

    /// <summary>The collector.</summary>
    public IPEndPoint EndPoint => _options.EndPoint;

    /// <summary>Records sent.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records dropped (the send failed).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The text sent for <paramref name="record"/>.</summary>
    public string FormatMessage(in LogRecord record)
    {
        if (_options.Format == SyslogFormat.Rfc5424)
            return Rfc5424.Format(_options.Facility, record, _options.Hostname, _options.Tag, _options.ProcessId);
        DateTime local = TimeZoneInfo.ConvertTime(record.Timestamp, _options.TimeZone ?? TimeZoneInfo.Local).DateTime;
        return Rfc3164.Format(_options.Facility, record.Severity, local, _options.Hostname, _options.Tag, _options.ProcessId, record.Format());
    }

    /// <inheritdoc/>
    public void Write(in LogRecord record)
    {
        if (record.Severity > _options.Level || record.DebugClass != DebugClasses.None)
            return;
        Span<byte> datagram = stackalloc byte[MaxDatagramLength];
        string text = FormatMessage(record);
        // RFC 3164 §4.1 caps a packet at 1024 octets; RFC 5426 lets RFC 5424 messages use up to 2048.
        int length = _options.Format == SyslogFormat.Rfc5424 ? Encode(System.Text.Encoding.UTF8.GetEncoder(), text, datagram) : Rfc3164.Encode(text, datagram);
        try
        {
            _socket.SendTo(datagram[..length], SocketFlags.None, _options.EndPoint);
            Interlocked.Increment(ref _sent);
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _dropped);
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    private static int Encode(System.Text.Encoder encoder, string text, Span<byte> destination)
    {
        encoder.Convert(text, destination, flush: true, out _, out int bytesUsed, out _);
        return bytesUsed;
    }

    /// <inheritdoc/>
    public void Dispose() => _socket.Dispose();
}
