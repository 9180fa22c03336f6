using System.Buffers;
using System.IO.Pipelines;

namespace PptpGw.Tests.ControlPlane.Pptp.Connection;

/// <summary>One end of an in-memory full-duplex byte stream (two <see cref="Pipe"/>s), standing in for a TCP connection.</summary>
internal sealed class PipeDuplexStream(PipeReader reader, PipeWriter writer) : Stream
{
    private int _disposed;

    /// <summary>Two connected ends: what one writes the other reads; disposing one ends the other's reads (EOF).</summary>
    public static (PipeDuplexStream Server, PipeDuplexStream Client) CreatePair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        return (new PipeDuplexStream(toServer.Reader, toClient.Writer), new PipeDuplexStream(toClient.Reader, toServer.Writer));
    }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ReadResult result = await reader.ReadAsync(cancellationToken);
        ReadOnlySequence<byte> data = result.Buffer;
        if (data.IsEmpty && result.IsCompleted)
        {
            reader.AdvanceTo(data.End);
            return 0;
        }
        int count = (int)Math.Min(buffer.Length, data.Length);
        data.Slice(0, count).CopyTo(buffer.Span);
        reader.AdvanceTo(data.GetPosition(count));
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        FlushResult result = await writer.WriteAsync(buffer, cancellationToken);
        if (result.IsCompleted)
            throw new IOException("the other end is closed");
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, default).GetAwaiter().GetResult();
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, default).GetAwaiter().GetResult();
    public override void Flush() { }
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            writer.Complete();
            reader.Complete();
        }
        base.Dispose(disposing);
    }
}
