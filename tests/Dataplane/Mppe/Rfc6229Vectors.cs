namespace PptpGw.Tests.Dataplane.Mppe;

/// <summary>
/// RC4 keystream samples from RFC 6229 §2 ("Test Vectors for the Stream Cipher RC4"): key, keystream offset,
/// the 16 keystream octets there. Key 1 (0x01 0x02 0x03 ...) at 40 to 256 bits, offsets 0, 16, 240, 256, 4080
/// and 4096; plus the first octets for key 2 of 40 and 128 bits.
/// </summary>
internal static class Rfc6229Vectors
{
    public static readonly (string Key, int Offset, string Keystream)[] All =
    [
        // 40-bit key
        ("0102030405", 0, "b2396305f03dc027ccc3524a0a1118a8"),
        ("0102030405", 16, "6982944f18fc82d589c403a47a0d0919"),
        ("0102030405", 240, "28cb1132c96ce286421dcaadb8b69eae"),
        ("0102030405", 256, "1cfcf62b03eddb641d77dfcf7f8d8c93"),
        ("0102030405", 4080, "068326a2118416d21f9d04b2cd1ca050"),
        ("0102030405", 4096, "ff25b58995996707e51fbdf08b34d875"),
        // 56-bit key
        ("01020304050607", 0, "293f02d47f37c9b633f2af5285feb46b"),
        ("01020304050607", 16, "e620f1390d19bd84e2e0fd752031afc1"),
        ("01020304050607", 240, "914f02531c9218810df60f67e338154c"),
        ("01020304050607", 256, "d0fdb583073ce85ab83917740ec011d5"),
        ("01020304050607", 4080, "f3172ceffc3b3d997c85ccd5af1a950c"),
        ("01020304050607", 4096, "e74b0b9731227fd37c0ec08a47ddd8b8"),
        // 64-bit key
        ("0102030405060708", 0, "97ab8a1bf0afb96132f2f67258da15a8"),
        ("0102030405060708", 16, "8263efdb45c4a18684ef87e6b19e5b09"),
        ("0102030405060708", 240, "9636ebc9841926f4f7d1f362bddf6e18"),
        ("0102030405060708", 256, "d0a990ff2c05fef5b90373c9ff4b870a"),
        ("0102030405060708", 4080, "d5fa5a3469d29aaaf83d23589db8c85b"),
        ("0102030405060708", 4096, "3fb46e2c8f0f068edce8cdcd7dfc5862"),
        // 80-bit key
        ("0102030405060708090a", 0, "ede3b04643e586cc907dc21851709902"),
        ("0102030405060708090a", 4080, "1f135ed14ce60a91369d2322bef25e3c"),
        // 128-bit key
        ("0102030405060708090a0b0c0d0e0f10", 0, "9ac7cc9a609d1ef7b2932899cde41b97"),
        ("0102030405060708090a0b0c0d0e0f10", 16, "5248c4959014126a6e8a84f11d1a9e1c"),
        ("0102030405060708090a0b0c0d0e0f10", 240, "065902e4b620f6cc36c8589f66432f2b"),
        ("0102030405060708090a0b0c0d0e0f10", 256, "d39d566bc6bce3010768151549f3873f"),
        ("0102030405060708090a0b0c0d0e0f10", 4080, "ff38265c1642c1abe8d3c2fe5e572bf8"),
        ("0102030405060708090a0b0c0d0e0f10", 4096, "a36a4c301ae8ac13610ccbc12256cacc"),
        // 192-bit key
        ("0102030405060708090a0b0c0d0e0f101112131415161718", 0, "0595e57fe5f0bb3c706edac8a4b2db11"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718", 16, "dfde31344a1af769c74f070aee9e2326"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718", 4080, "29a0b8aed54a132324c62e423f54b4c8"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718", 4096, "3cb0f3b5020a98b82af9fe154484a168"),
        // 256-bit key
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 0, "eaa6bd25880bf93d3f5d1e4ca2611d91"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 16, "cfa45c9f7e714b54bdfa80027cb14380"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 240, "114ae344ded71b35f2e60febad727fd8"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 256, "02e1e7056b0f623900496422943e97b6"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 4080, "a13a7c79c7e119b5ab0296ab28c300b9"),
        ("0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20", 4096, "f3e4c0a2e02d1d01f7f0a74618af2b48"),
        // key 2
        ("833222772a", 0, "80ad97bdc973df8a2e879e92a497efda"),
        ("833222772a", 16, "20f060c2f2e5126501d3d4fea10d5fc0"),
        ("ebb46227c6cc8b37641910833222772a", 0, "720c94b63edf44e131d950ca211a5a30"),
    ];

    public static TheoryData<string, int, string> Data()
    {
        var data = new TheoryData<string, int, string>();
        foreach (var (key, offset, keystream) in All)
            data.Add(key, offset, keystream);
        return data;
    }

    /// <summary>Keystream octets 0 .. 4111 of <paramref name="transform"/> applied to zeros in one call.</summary>
    public static byte[] Keystream(Action<byte[]> transform)
    {
        var buffer = new byte[4096 + 16];
        transform(buffer);
        return buffer;
    }
}
