using System.Net.Sockets;

namespace PptpGw.ControlPlane.Logging;

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
