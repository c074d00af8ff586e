using System.Security.Cryptography;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Audit;

/// <summary>
/// Signing and checking <see cref="AuditCheckpoint"/>s: the canonical form that is signed, the key id, and the signature
/// (ECDSA P-256 with SHA-256, DER-encoded, base64). docs/audit.md, "Checkpoints", describes the same for auditors.
/// </summary>
/// <remarks>
/// <para>Asymmetric on purpose: whoever verifies (an auditor, CI, <c>mreg audit verify</c>) holds only the public key and so
/// cannot make a checkpoint; with a shared secret every verifier could forge one. P-256 because .NET (OpenSSL), the
/// <c>openssl</c> tool and Python's <c>cryptography</c> all read its PEM keys and DER signatures as they are.</para>
/// </remarks>
public static class AuditCheckpoints
{
    /// <summary>The first line of the signed form and the value of <see cref="AuditCheckpoint.Format"/>.</summary>
    public const string Format = "mreg-audit-checkpoint-v1";

    /// <summary>
    /// The bytes that are signed: UTF-8, the line <c>mreg-audit-checkpoint-v1\n</c>, then four fields, each written as its
    /// length in bytes (decimal), a colon, the value and a line feed (as the audit records' canonical form): the sequence
    /// (decimal), the head hash, the time (<see cref="AuditChain.FormatTimestamp"/>: UTC, six fractional digits, 'Z') and
    /// the key id.
    /// </summary>
    public static byte[] Canonical(long sequence, string headHash, DateTimeOffset checkpointedAt, string keyId)
    {
        ArgumentNullException.ThrowIfNull(headHash);
        ArgumentNullException.ThrowIfNull(keyId);
        return new CanonicalForm(Format)
            .Add(sequence, "sequence")
            .Add(headHash, "headHash")
            .Add(AuditChain.FormatTimestamp(checkpointedAt), "checkpointedAt")
            .Add(keyId, "keyId")
            .ToArray();
    }

    /// <summary>The canonical form of <paramref name="checkpoint"/>'s signed fields.</summary>
    public static byte[] Canonical(AuditCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Canonical(checkpoint.Sequence, checkpoint.HeadHash, checkpoint.CheckpointedAt, checkpoint.KeyId);
    }

    /// <summary>A key's id: lowercase hex SHA-256 of its public key as DER SubjectPublicKeyInfo
    /// (<c>openssl pkey -pubin -in KEY.pub -outform DER | sha256sum</c>).</summary>
    public static string KeyIdOf(ECDsa key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>A checkpoint of the head (<paramref name="sequence"/>, <paramref name="headHash"/>) at <paramref name="now"/>,
    /// signed with <paramref name="privateKey"/>.</summary>
    public static AuditCheckpoint Sign(ECDsa privateKey, long sequence, string headHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        var at = AuditChain.Truncate(now);
        var keyId = KeyIdOf(privateKey);
        var signature = privateKey.SignData(Canonical(sequence, headHash, at, keyId), HashAlgorithmName.SHA256,
            DSASignatureFormat.Rfc3279DerSequence);
        return new AuditCheckpoint
        {
            Format = Format, Sequence = sequence, HeadHash = headHash, CheckpointedAt = at, KeyId = keyId,
            Signature = Convert.ToBase64String(signature),
        };
    }

    /// <summary>
    /// Null when <paramref name="checkpoint"/> was signed by one of <paramref name="publicKeys"/> (by key id) over its own
    /// fields; otherwise what is wrong with it. Only the keys given are trusted: a checkpoint names a key, it never brings one.
    /// </summary>
    public static (AuditCheckpointFault Fault, string Reason)? CheckSignature(AuditCheckpoint checkpoint, IReadOnlyDictionary<string, ECDsa> publicKeys)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(publicKeys);
        if (checkpoint.Format != Format)
            return (AuditCheckpointFault.Malformed, $"format '{checkpoint.Format}' is not {Format}");
        if (checkpoint.Sequence < 0 || !FieldRules.IsSha256Hex(checkpoint.HeadHash))
            return (AuditCheckpointFault.Malformed, "sequence must be 0 or more and headHash 64 lowercase hex digits");
        if (!publicKeys.TryGetValue(checkpoint.KeyId ?? "", out var key))
            return (AuditCheckpointFault.UnknownKey,
                $"signed by key {checkpoint.KeyId}, which is not the public key given ({string.Join(", ", publicKeys.Keys)})");
        var signature = new byte[((checkpoint.Signature ?? "").Length + 3) / 4 * 3];
        if (!Convert.TryFromBase64String(checkpoint.Signature ?? "", signature, out var length)
            || !key.VerifyData(Canonical(checkpoint), signature.AsSpan(0, length), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            return (AuditCheckpointFault.BadSignature, $"the signature does not verify with key {checkpoint.KeyId}: the checkpoint was changed or forged");
        return null;
    }
}

/// <summary>Why a checkpoint does not vouch for the log, or why the log does not match it.</summary>
public enum AuditCheckpointFault
{
    /// <summary>Not a checkpoint: unreadable JSON, a missing field, an unknown format.</summary>
    Malformed,

    /// <summary>Signed by a key that is not one of those given to verify: it cannot be trusted.</summary>
    UnknownKey,

    /// <summary>The signature does not verify: the checkpoint was changed or forged.</summary>
    BadSignature,

    /// <summary>The log ends before the checkpointed sequence: records were cut off the end.</summary>
    Truncated,

    /// <summary>The log goes on, but the checkpointed record is not in it: it was deleted.</summary>
    Missing,

    /// <summary>The record at the checkpointed sequence has another hash: the chain was rewritten (re-chained) up to there.</summary>
    HeadMismatch,
}
