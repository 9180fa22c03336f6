using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// The on-disk log of one accounting queue: every record is appended before its first transmission and a "done" entry
/// follows once it is acknowledged, so after a crash the records without one are sent again (at least once; a lost
/// Accounting-Response can duplicate a record, nothing can lose one).
/// </summary>
/// <remarks>
/// <para>File: an 8-octet magic, then entries <c>length(u32 BE) crc32c(u32 BE) body</c>; the checksum covers the body.
/// Body: <c>type(u8) sequence(i64)</c>, for a record then <c>kind(u8) event-time(i64 Unix ms) key-length(u16) key
/// payload-length(u32) payload</c>. Reading stops at the first entry that is cut short or fails its checksum (the torn
/// tail of a write interrupted by SIGKILL or power loss); the file is truncated there and the loss logged.</para>
/// <para>Durability: each entry is written with one unbuffered write, so once <see cref="Append"/> returns, a killed
/// process loses nothing (the kernel has it). Power loss can cost what was not yet fsynced: at most the last
/// <see cref="AccountingQueueOptions.SpoolSyncInterval"/> (zero: fsync before <see cref="Append"/> returns).</para>
/// <para>The file is rewritten with only the live records once it is mostly done entries (write, fsync, rename).
/// One process at a time: the file is opened exclusively (an advisory lock on Linux).</para>
/// </remarks>
public sealed class AccountingSpool : IDisposable
{
    private static readonly byte[] Magic = "PGWACCT1"u8.ToArray();
    private const byte RecordEntry = 1;
    private const byte DoneEntry = 2;
    private const int HeaderLength = 8;
    private const int DoneBodyLength = 9;
    private const long CompactMinimumBytes = 1 << 20;

    private readonly Lock _lock = new();
    private readonly Dictionary<long, byte[]> _live = [];
    private readonly string? _path;
    private readonly GatewayLog? _log;
    private readonly TimeSpan _syncInterval;
    private readonly ITimer? _syncTimer;
    private FileStream? _file;
    private long _liveBytes;
    private bool _dirty;
    private bool _disposed;

    private AccountingSpool(string? path, FileStream? file, TimeSpan syncInterval, GatewayLog? log)
    {
        _path = path;
        _file = file;
        _syncInterval = syncInterval;
        _log = log;
        if (file is not null && syncInterval > TimeSpan.Zero)
            _syncTimer = TimeProvider.System.CreateTimer(static s => ((AccountingSpool)s!).Sync(), this, syncInterval, syncInterval);
    }

    /// <summary>The spool file; null for a memory-only spool (<see cref="InMemory"/>).</summary>
    public string? Path => _path;

    /// <summary>True when records survive a restart.</summary>
    public bool IsDurable => _path is not null;

    /// <summary>Records appended and not yet marked done.</summary>
    public int LiveRecords
    {
        get { lock (_lock) return _live.Count; }
    }

    /// <summary>Octets of those records' entries (what the size bound counts).</summary>
    public long LiveBytes
    {
        get { lock (_lock) return _liveBytes; }
    }

    /// <summary>Octets of the file now (live entries, done entries, the magic).</summary>
    public long FileBytes
    {
        get { lock (_lock) return _file?.Length ?? 0; }
    }

    /// <summary>A spool that keeps nothing on disk (when no spool directory is usable; a restart loses its records).</summary>
    public static AccountingSpool InMemory() => new(null, null, TimeSpan.Zero, null);

    /// <summary>
    /// Opens (or creates) <paramref name="directory"/>/<paramref name="name"/>.spool, reads the records not marked done
    /// into <paramref name="pending"/> (in sequence order), drops a torn tail, and compacts the file.
    /// </summary>
    /// <exception cref="IOException">The directory or file cannot be created, read or locked.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    public static AccountingSpool Open(string directory, string name, TimeSpan syncInterval, GatewayLog? log, out List<SpooledRecord> pending)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(name);
        Directory.CreateDirectory(directory);
        string path = System.IO.Path.Combine(directory, FileName(name));
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
        try
        {
            pending = [];
            var spool = new AccountingSpool(path, file, syncInterval, log);
            spool.Load(pending);
            return spool;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The file name of group <paramref name="name"/>: unsafe characters become '_'.</summary>
    public static string FileName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 6);
        foreach (char c in name)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return sb.Append(".spool").ToString();
    }

    /// <summary>Octets a record takes in the spool (the size bound counts these).</summary>
    public static int EntryLength(string sessionKey, int payloadLength) =>
        HeaderLength + 24 + Encoding.UTF8.GetByteCount(sessionKey) + payloadLength;

    /// <summary>Appends a record; returns the octets it takes. Written (and fsynced when the interval is zero) on return.</summary>
    public int Append(long sequence, AccountingRecordKind kind, string sessionKey, DateTimeOffset eventTime, ReadOnlySpan<byte> payload)
    {
        ArgumentNullException.ThrowIfNull(sessionKey);
        byte[] entry = EncodeRecord(sequence, kind, sessionKey, eventTime, payload);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_live.TryGetValue(sequence, out _))
                throw new InvalidOperationException($"accounting record {sequence} is already in the spool");
            _live[sequence] = entry;
            _liveBytes += entry.Length;
            Write(entry);
        }
        return entry.Length;
    }

    /// <summary>Marks a record done (acknowledged, superseded or given up); a later replay skips it.</summary>
    public void MarkDone(long sequence)
    {
        lock (_lock)
        {
            if (_disposed || !_live.Remove(sequence, out byte[]? entry))
                return;
            _liveBytes -= entry.Length;
            Span<byte> body = stackalloc byte[DoneBodyLength];
            body[0] = DoneEntry;
            BinaryPrimitives.WriteInt64BigEndian(body[1..], sequence);
            Write(Frame(body));
            if (_file is not null && _file.Length > CompactMinimumBytes && _file.Length > 4 * _liveBytes)
                Compact();
        }
    }

    /// <summary>Forces what was written to disk now (fsync).</summary>
    public void Sync()
    {
        lock (_lock)
        {
            if (_disposed || _file is null || !_dirty)
                return;
            try
            {
                _file.Flush(flushToDisk: true);
                _dirty = false;
            }
            catch (IOException ex)
            {
                _log?.Write(PixSeverity.Error, $"accounting spool {_path}: fsync failed: {ex.Message}");
            }
        }
    }

    /// <summary>Syncs and closes the file.</summary>
    public void Dispose()
    {
        _syncTimer?.Dispose();
        Sync();
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            _file?.Dispose();
            _file = null;
        }
    }

    private void Write(byte[] entry)
    {
        if (_file is null)
            return;
        try
        {
            _file.Seek(0, SeekOrigin.End);
            _file.Write(entry);
            if (_syncInterval <= TimeSpan.Zero)
                _file.Flush(flushToDisk: true);
            else
                _dirty = true;
        }
        catch (IOException ex)
        {
            // A full disk must not stop accounting: the record stays in memory and is still sent; the log says so.
            _log?.Write(PixSeverity.Error, $"accounting spool {_path}: write failed ({ex.Message}); records are kept in memory until it works again");
        }
    }

    private static byte[] Frame(ReadOnlySpan<byte> body)
    {
        byte[] entry = new byte[HeaderLength + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(entry, (uint)body.Length);
        BinaryPrimitives.WriteUInt32BigEndian(entry.AsSpan(4), Crc32C(body));
        body.CopyTo(entry.AsSpan(HeaderLength));
        return entry;
    }

    private static byte[] EncodeRecord(long sequence, AccountingRecordKind kind, string key, DateTimeOffset eventTime, ReadOnlySpan<byte> payload)
    {
        int keyLength = Encoding.UTF8.GetByteCount(key);
        if (keyLength > ushort.MaxValue)
            throw new ArgumentException("session key too long", nameof(key));
        byte[] body = new byte[1 + 8 + 1 + 8 + 2 + keyLength + 4 + payload.Length];
        var span = body.AsSpan();
        span[0] = RecordEntry;
        BinaryPrimitives.WriteInt64BigEndian(span[1..], sequence);
        span[9] = (byte)kind;
        BinaryPrimitives.WriteInt64BigEndian(span[10..], eventTime.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16BigEndian(span[18..], (ushort)keyLength);
        Encoding.UTF8.GetBytes(key, span.Slice(20, keyLength));
        BinaryPrimitives.WriteInt32BigEndian(span[(20 + keyLength)..], payload.Length);
        payload.CopyTo(span[(24 + keyLength)..]);
        return Frame(body);
    }

    /// <summary>CRC-32C (Castagnoli), with the CPU's instruction where there is one.</summary>
    internal static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    private void Load(List<SpooledRecord> pending)
    {
        var file = _file!;
        byte[] content = new byte[file.Length];
        file.Seek(0, SeekOrigin.Begin);
        file.ReadExactly(content);
        if (content.Length == 0)
        {
            file.Write(Magic);
            file.Flush(flushToDisk: true);
            return;
        }
        if (content.Length < Magic.Length || !content.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            // Not ours (or its first octets were lost): keep it aside for the operator, start a fresh one.
            string aside = _path + ".unreadable-" + DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            File.Copy(_path!, aside, overwrite: true);
            _log?.Write(PixSeverity.Error, $"accounting spool {_path}: not a spool file; copied to {aside} and started afresh");
            file.SetLength(0);
            file.Write(Magic);
            file.Flush(flushToDisk: true);
            return;
        }
        var records = new SortedDictionary<long, SpooledRecord>();
        int offset = Magic.Length;
        while (offset < content.Length)
        {
            ReadOnlySpan<byte> rest = content.AsSpan(offset);
            if (rest.Length < HeaderLength)
                break;
            uint length = BinaryPrimitives.ReadUInt32BigEndian(rest);
            if (length < DoneBodyLength || length > rest.Length - HeaderLength)
                break;
            ReadOnlySpan<byte> body = rest.Slice(HeaderLength, (int)length);
            if (Crc32C(body) != BinaryPrimitives.ReadUInt32BigEndian(rest[4..]))
                break;
            long sequence = BinaryPrimitives.ReadInt64BigEndian(body[1..]);
            if (body[0] == DoneEntry)
            {
                records.Remove(sequence);
            }
            else if (body[0] == RecordEntry && TryDecode(body, out SpooledRecord? record))
            {
                records[sequence] = record;
                _live[sequence] = rest[..(HeaderLength + (int)length)].ToArray();
            }
            else
            {
                break;
            }
            offset += HeaderLength + (int)length;
        }
        if (offset < content.Length)
        {
            _log?.Write(PixSeverity.Warning,
                $"accounting spool {_path}: {content.Length - offset} octets at offset {offset} are a torn or corrupt tail (a write cut short by a crash); ignored");
        }
        foreach (long done in _live.Keys.Where(k => !records.ContainsKey(k)).ToList())
            _live.Remove(done);
        _liveBytes = _live.Values.Sum(e => (long)e.Length);
        pending.AddRange(records.Values);
        // Rewrite with the live records only: drops the done entries and the torn tail in one step.
        Compact();
    }

    private static bool TryDecode(ReadOnlySpan<byte> body, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpooledRecord? record)
    {
        record = null;
        if (body.Length < 24)
            return false;
        long sequence = BinaryPrimitives.ReadInt64BigEndian(body[1..]);
        var kind = (AccountingRecordKind)body[9];
        if (!Enum.IsDefined(kind))
            return false;
        long ms = BinaryPrimitives.ReadInt64BigEndian(body[10..]);
        int keyLength = BinaryPrimitives.ReadUInt16BigEndian(body[18..]);
        if (body.Length < 24 + keyLength)
            return false;
        string key = Encoding.UTF8.GetString(body.Slice(20, keyLength));
        int payloadLength = BinaryPrimitives.ReadInt32BigEndian(body[(20 + keyLength)..]);
        if (payloadLength < 0 || body.Length != 24 + keyLength + payloadLength)
            return false;
        if (ms < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || ms > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            return false;
        record = new SpooledRecord(sequence, kind, key, DateTimeOffset.FromUnixTimeMilliseconds(ms), body[(24 + keyLength)..].ToArray());
        return true;
    }

    private void Compact()
    {
        if (_file is null || _path is null)
            return;
        string temporary = _path + ".compact";
        try
        {
            using (var fresh = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                fresh.Write(Magic);
                foreach (var entry in _live.OrderBy(kv => kv.Key))
                    fresh.Write(entry.Value);
                fresh.Flush(flushToDisk: true);
            }
            // rename(2) is atomic: after a crash the file is either the old one (a superset) or the new one.
            File.Move(temporary, _path, overwrite: true);
            _file.Dispose();
            _file = new FileStream(_path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            _dirty = false;
        }
        catch (IOException ex)
        {
            _log?.Write(PixSeverity.Warning, $"accounting spool {_path}: compaction failed ({ex.Message}); the file keeps growing until it works");
        }
    }
}
