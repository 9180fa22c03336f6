namespace PptpGw.Dataplane.Buffers;

/// <summary>
/// A per-thread stash of free packets in front of a <see cref="PacketPool"/> (DPDK's per-lcore
/// mempool cache): allocations and frees are array pushes and pops, and the shared ring is touched
/// once per burst when the stash runs empty or full. Not thread-safe: one owner thread only.
/// </summary>
public sealed class PacketCache : IPacketAllocator
{
    /// <summary>Default number of packets a cache may hold.</summary>
    public const int DefaultSize = 256;

    private readonly PacketPool _pool;
    private readonly int[] _stack;
    private int _count;

    internal PacketCache(PacketPool pool, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 2 * PacketBurst.Size);
        _pool = pool;
        _stack = new int[size];
    }

    /// <summary>The pool behind this cache.</summary>
    public PacketPool Pool => _pool;

    /// <summary>Free packets held privately by this cache.</summary>
    public int Count => _count;

    /// <summary>Takes one packet; false when both the cache and the pool are empty.</summary>
    public bool TryAllocate(out PacketHandle packet)
    {
        if (_count == 0 && !Refill(1))
        {
            packet = default;
            return false;
        }

        packet = _pool.Take(_stack[--_count]);
        return true;
    }

    /// <inheritdoc/>
    public int AllocateBurst(Span<PacketHandle> destination)
    {
        if (_count < destination.Length)
        {
            Refill(destination.Length - _count);
        }

        int n = Math.Min(_count, destination.Length);
        for (int i = 0; i < n; i++)
        {
            destination[i] = _pool.Take(_stack[--_count]);
        }

        return n;
    }

    /// <summary>Gives one packet back.</summary>
    public void Free(PacketHandle packet)
    {
        if (_pool.TryReleaseExternal(packet))
        {
            return;
        }

        if (_count == _stack.Length)
        {
            Spill();
        }

        _stack[_count++] = _pool.Release(packet);
    }

    /// <inheritdoc/>
    public void FreeBurst(ReadOnlySpan<PacketHandle> packets)
    {
        foreach (PacketHandle packet in packets)
        {
            if (_pool.TryReleaseExternal(packet))
            {
                continue;
            }

            if (_count == _stack.Length)
            {
                Spill();
            }

            _stack[_count++] = _pool.Release(packet);
        }
    }

    /// <summary>Returns every packet held by the cache to the pool (before the owner thread stops).</summary>
    public void Flush()
    {
        _pool.PutIndices(_stack.AsSpan(0, _count));
        _count = 0;
    }

    // Fill to half the cache plus what is needed, so alternating alloc/free stays local.
    private bool Refill(int needed)
    {
        int target = Math.Min(_stack.Length, needed + (_stack.Length / 2));
        while (_count < target)
        {
            int n = _pool.TakeIndices(_stack.AsSpan(_count, target - _count));
            if (n == 0)
            {
                break;
            }

            _count += n;
        }

        return _count > 0;
    }

    // Give back the older half (the bottom of the stack); the recently freed, cache-warm buffers stay.
    private void Spill()
    {
        int half = _stack.Length / 2;
        _pool.PutIndices(_stack.AsSpan(0, half));
        Array.Copy(_stack, half, _stack, 0, _count - half);
        _count -= half;
    }
}
