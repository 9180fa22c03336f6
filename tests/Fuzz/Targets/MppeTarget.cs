using PptpGw.Dataplane.Mppe;

namespace PptpGw.Fuzz;

/// <summary>
/// MPPE receive (RFC 3078 §3, §7.3-§7.4): each chunk is one encrypted PPP payload (2-octet header, coherency count, then
/// ciphertext) for the receiver of a session; the first octet picks the key strength and stateless or stateful mode.
/// The receiver must refuse what it cannot decrypt with a drop reason and never throw, whatever the counts.
/// </summary>
public static class MppeTarget
{
    public static FuzzTarget Target { get; } = new("mppe",
        "MppeHeader.TryRead, MppeReceiver.Decrypt (40/56/128-bit, stateless and stateful: key changes, resync, late-key cache)",
        Run, Seeds);

    // RFC 3079 §3.5.3: the 128-bit send start key of the worked example.
    private static readonly byte[] StartKey = Seed.Hex("8B7CDC149B993A1BA118CB153F56DCCB");

    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
            return;
        MppeKeyStrength strength = (input[0] % 3) switch
        {
            0 => MppeKeyStrength.Bits40,
            1 => MppeKeyStrength.Bits56,
            _ => MppeKeyStrength.Bits128,
        };
        bool stateless = (input[0] & 0x80) == 0;
        var receiver = new MppeReceiver();
        receiver.Initialize(StartKey, strength, stateless);
        byte[] packet = new byte[ushort.MaxValue];
        var chunks = new FuzzChunks(input[1..]);
        for (int guard = 0; guard < 512 && chunks.TryNext(out ReadOnlySpan<byte> chunk); guard++)
        {
            MppeHeader.TryRead(chunk, out MppeHeader header);
            _ = header.IsFlushed | header.IsEncrypted | header.IsCompressed;
            chunk.CopyTo(packet);
            receiver.Decrypt(packet.AsSpan(0, chunk.Length));
        }
        _ = receiver.PacketsDecrypted + receiver.KeyChanges + receiver.Resyncs + receiver.LatePacketsDecrypted + receiver.ResetRequestsSignalled;
        receiver.Clear();
    }

    private static IEnumerable<byte[]> Seeds()
    {
        // Packets as a sender with the same start key emits them (flushed+encrypted, counts 0, 1, 2, a jump, a late one).
        foreach (byte mode in (byte[])[0, 1, 2, 0x82])
        {
            var sender = new MppeSender();
            bool stateless = (mode & 0x80) == 0;
            MppeKeyStrength strength = (mode % 3) switch { 0 => MppeKeyStrength.Bits40, 1 => MppeKeyStrength.Bits56, _ => MppeKeyStrength.Bits128 };
            sender.Initialize(StartKey, strength, stateless);
            var packets = new List<byte[]>();
            for (int i = 0; i < 6; i++)
            {
                byte[] p = new byte[2 + 20];
                Seed.Hex("0021 4500001c0001000040010000c6130001").CopyTo(p.AsSpan(2)); // PPP protocol + IPv4 header start
                sender.Encrypt(p);
                packets.Add(p);
            }
            yield return [mode, .. FuzzChunks.Join(packets[0], packets[1], packets[2], packets[5], packets[3], packets[4])];
        }
    }
}
