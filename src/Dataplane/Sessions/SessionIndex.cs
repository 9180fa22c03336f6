using System.Numerics;

namespace PptpGw.Dataplane.Sessions;

/// <summary>
/// One open-addressing hash index of a <see cref="SessionTable"/>: key → slot, linear probing over a power-of-two
/// array of 64-bit entries. Written only by the table's single writer; read lock-free by workers.
/// <para>
/// Entry encoding (one <see cref="long"/>, read and written atomically): low 32 bits = slot + 1, high 32 bits = a
/// 32-bit fingerprint of the key's hash. 0 = empty; <see cref="Tombstone"/> = a removed entry (low bits all ones).
/// The fingerprint lets a probe skip other keys without touching their slot's configuration (a cache miss); a
/// fingerprint match is confirmed against the key in the slot, so a lookup never returns another key's slot.
/// </para>
/// <para>
/// Entries only ever go empty → entry, entry → tombstone, tombstone → entry. An entry is never moved and a bucket
/// never becomes empty again, so a reader probing concurrently with the writer can never step over the bucket that
/// holds its key. Tombstones are cleared by building a fresh index (copy-on-write) that the table swaps in.
/// </para>
/// <para>
/// The seed and the size travel with the array in this immutable-after-publication object, so a reader that loaded
/// one reference hashes with the seed the array was built with, even across a reseed.
/// </para>
/// </summary>
internal sealed class SessionIndex
{
    internal const long Empty = 0;
    internal const long Tombstone = 0xFFFF_FFFFL;

    internal readonly long[] Entries;
    internal readonly int Mask;
    /// <summary>64 − log2(size): the home bucket is the top bits of the hash (multiply-shift style).</summary>
    internal readonly int Shift;
    internal readonly ulong Seed;

    /// <summary>
    /// Largest displacement (probes past the home bucket) of any entry this array has held. Only grows while the array
    /// is published; the writer stores it before the entry that needs it, so a reader that can see an entry also sees
    /// a bound large enough to reach it. Lookups stop after MaxDisplacement + 1 probes even without meeting an empty
    /// bucket: misses stay as cheap as the longest hit.
    /// </summary>
    internal int MaxDisplacement;

    // Writer-only bookkeeping.
    internal int Live;
    internal int Tombstones;
    /// <summary>An insert displaced further than this makes the writer rebuild with a new seed.</summary>
    internal int ReseedDisplacement;

    internal SessionIndex(int size, ulong seed, int reseedDisplacement)
    {
        Entries = new long[size];
        Mask = size - 1;
        Shift = 64 - BitOperations.Log2((uint)size);
        Seed = seed;
        ReseedDisplacement = reseedDisplacement;
    }

    internal int Size => Entries.Length;

    /// <summary>Buckets that are not empty (live entries and tombstones).</summary>
    internal int Used => Live + Tombstones;

    /// <summary>
    /// The murmur3 64-bit finalizer (fmix64) of the key mixed with the index's seed: a bijection with full avalanche,
    /// so keys that differ in one bit (consecutive call ids, consecutive pool addresses) land far apart. The seed is
    /// drawn at random per index, so a peer cannot pick keys that collide without knowing it; an unlucky or hostile
    /// key set that still produces a long probe makes the writer draw a new seed (see <see cref="ReseedDisplacement"/>).
    /// </summary>
    internal static ulong Hash(ulong key, ulong seed)
    {
        ulong h = key ^ seed;
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }

    internal static long MakeEntry(ulong hash, int slot) => (long)((hash << 32) | (uint)(slot + 1));

    /// <summary>
    /// Writer: stores slot under a key known to be absent, in the first empty or tombstone bucket of its probe
    /// sequence. Returns the displacement. The caller keeps <see cref="Used"/> below the size, so a free bucket exists.
    /// </summary>
    internal int Insert(ulong key, int slot)
    {
        ulong h = Hash(key, Seed);
        int i = (int)(h >> Shift);
        long[] entries = Entries;
        for (int d = 0; ; d++)
        {
            long v = entries[i];
            if (v == Empty || v == Tombstone)
            {
                if (v == Tombstone)
                    Tombstones--;
                Live++;
                // Release order: the bound first, then the entry (see MaxDisplacement).
                if (d > MaxDisplacement)
                    Volatile.Write(ref MaxDisplacement, d);
                Volatile.Write(ref entries[i], MakeEntry(h, slot));
                return d;
            }
            i = (i + 1) & Mask;
        }
    }

    /// <summary>Writer: replaces the entry of (key, slot) by a tombstone. False when it is not there.</summary>
    internal bool Remove(ulong key, int slot)
    {
        ulong h = Hash(key, Seed);
        int i = (int)(h >> Shift);
        long wanted = MakeEntry(h, slot);
        long[] entries = Entries;
        for (int d = 0; d <= MaxDisplacement; d++)
        {
            long v = entries[i];
            if (v == Empty)
                return false;
            if (v == wanted)
            {
                Volatile.Write(ref entries[i], Tombstone);
                Live--;
                Tombstones++;
                return true;
            }
            i = (i + 1) & Mask;
        }
        return false;
    }
}
