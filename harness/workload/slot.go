package workload

// Slot returns the Redis Cluster hash slot of key: CRC16-XMODEM of the key,
// or of the part between the first '{' and the next '}' when that part is
// non-empty (the hashtag), modulo 16384.
func Slot(key string) int {
	s := key
	for i := 0; i < len(key); i++ {
		if key[i] == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						s = key[i+1 : j]
					}
					break
				}
			}
			break
		}
	}
	return int(crc16(s) & 16383)
}

// crc16 is CRC16-XMODEM (poly 0x1021, init 0), as Redis Cluster uses.
func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}
