using System.Net.Sockets;

namespace PptpGw.ControlPlane.Logging;

/// <summary>Settings of a <see cref="SyslogSink"/>.</summary>
public sealed record SyslogSinkOptions
{
    /// <summary>The local syslog socket (a Unix datagram socket).</summary>
    public string Path { get; init; } = SyslogSink.DefaultPath;
    /// <summary>Facility; local4 like the PIX's "logging facility 20".</summary>
    public SyslogFacility Facility { get; init; } = SyslogFacility.Local4;
    /// <summary>The TAG field (RFC 3164 §4.1.3).</summary>
    public string Tag { get; init; } = "pptpgw";
    /// <summary>HOSTNAME field; null for the glibc-style local form without it.</summary>
    public string? Hostname { get; init; }
    /// <summary>Process id after the tag; 0 to leave it out.</summary>
    public int ProcessId { get; init; } = Environment.ProcessId;
    /// <summary>Least severe severity sent (records with a larger number are dropped).</summary>
    public PixSeverity Level { get; init; } = PixSeverity.Debugging;
    /// <summary>Whether debug-class output goes to syslog too (the PIX sent it to the console only).</summary>
    public bool IncludeDebug { get; init; } = true;
    /// <summary>Time zone of the RFC 3164 timestamp; local time when null.</summary>
    public TimeZoneInfo? TimeZone { get; init; }
    /// <summary>How long to wait before trying to reach an absent socket again.</summary>
    public TimeSpan ReconnectInterval { get; init; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Sends records to the local syslog daemon over its Unix datagram socket (/dev/log) in RFC 3164 format. Never
/// blocks and never throws: the socket is non-blocking, a full or absent receiver drops the record (counted in
/// <see cref="Dropped"/>), and an absent socket is retried at most once per <see cref="SyslogSinkOptions.ReconnectInterval"/>.
/// </summary>
public sealed class SyslogSink : ILogSink, IDisposable
{
    /// <summary>The conventional local syslog socket.</summary>
    public const string DefaultPath = "/dev/log";

    private readonly SyslogSinkOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private Socket? _socket;
    private long _nextConnectTimestamp;
    private long _sent;
    private long _dropped;
    private bool _disposed;

    /// <summary>A sink with <paramref name="options"/> (defaults when null).</summary>
    public SyslogSink(SyslogSinkOptions? options = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new SyslogSinkOptions();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Records delivered to the socket.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Records dropped because the socket was absent, full or failing.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The RFC 3164 text sent for <paramref name="record"/>.</summary>
    public string FormatMessage(in LogRecord record)
    {
        var zone = _options.TimeZone ?? TimeZoneInfo.Local;
        var local = TimeZoneInfo.ConvertTime(record.Timestamp, zone).DateTime;
        return Rfc3164.Format(_options.Facility, record.Severity, local, _options.Hostname, _options.Tag, _options.ProcessId, record.Format());
    }

    /// <inheritdoc/>
    public void Write(in LogRecord record)
    {
        if (record.Severity > _options.Level || (!_options.IncludeDebug && record.DebugClass != DebugClasses.None))
        {
            return;
        }

        Span<byte> packet = stackalloc byte[Rfc3164.MaxPacketLength];
        int length = Rfc3164.Encode(FormatMessage(record), packet);
        lock (_lock)
        {
            if (_disposed || !EnsureConnected())
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            _socket!.Send(packet[..length], SocketFlags.None, out SocketError error);
            if (error == SocketError.Success)
            {
                Interlocked.Increment(ref _sent);
                return;
            }

            Interlocked.Increment(ref _dropped);
            if (error != SocketError.WouldBlock && error != SocketError.NoBufferSpaceAvailable)
            {
                // The daemon went away (ECONNREFUSED) or was restarted with a new socket: reconnect later.
                Disconnect();
            }
        }
    }

    private bool EnsureConnected()
    {
        if (_socket is not null)
        {
            return true;
        }

        long now = _time.GetTimestamp();
        if (now < _nextConnectTimestamp)
        {
            return false;
        }

        _nextConnectTimestamp = now + (long)(_options.ReconnectInterval.TotalSeconds * _time.TimestampFrequency);
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(_options.Path));
            _socket = socket;
            return true;
        }
        catch (SocketException)
        {
            socket.Dispose();
            return false;
        }
    }

    private void Disconnect()
    {
        _socket?.Dispose();
        _socket = null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Disconnect();
        }
    }
}
