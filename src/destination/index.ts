/** The destination: one door through which the daemon itself touches it. */
export { DestinationDoor, directoryIdentity, Errno, errnoName, isOpen, RenameFlag } from './door.js';
export type { DoorClosed } from './door.js';
