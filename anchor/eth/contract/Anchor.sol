// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title selfattest event anchor
/// @notice Anchors a Merkle root by emitting it: no storage, no owner, no
/// value. Anyone may call it; a verifier checks who did (the sender topic).
contract Anchor {
    /// @notice A root anchored by sender.
    event Anchored(bytes32 indexed root, address indexed sender);

    /// @notice Emits Anchored(root, msg.sender).
    function anchor(bytes32 root) external {
        emit Anchored(root, msg.sender);
    }
}
