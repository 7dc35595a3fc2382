import { homedir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { configFilePath, dataDir, namePrefix } from '../../lib/config/paths.js';

describe('configFilePath', () => {
  it('is $MNG_CONFIG when set', () => {
    expect(configFilePath({ MNG_CONFIG: '/etc/mng.toml', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/etc/mng.toml');
  });

  it('else $XDG_CONFIG_HOME/mng/config.toml', () => {
    expect(configFilePath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/h' })).toBe('/x/cfg/mng/config.toml');
  });

  it('else ~/.config/mng/config.toml from $HOME', () => {
    expect(configFilePath({ HOME: '/home/jo' })).toBe('/home/jo/.config/mng/config.toml');
  });

  it('treats empty variables as unset', () => {
    expect(configFilePath({ MNG_CONFIG: '', XDG_CONFIG_HOME: '', HOME: '/home/jo' })).toBe(
      '/home/jo/.config/mng/config.toml',
    );
  });

  it('falls back to the OS home directory without $HOME', () => {
    expect(configFilePath({})).toBe(`${homedir()}/.config/mng/config.toml`);
  });
});

describe('dataDir', () => {
  it('is $XDG_DATA_HOME/mng', () => {
    expect(dataDir({ XDG_DATA_HOME: '/x/data', HOME: '/h' })).toBe('/x/data/mng');
  });

  it('else ~/.local/share/mng', () => {
    expect(dataDir({ HOME: '/home/jo' })).toBe('/home/jo/.local/share/mng');
    expect(dataDir({ XDG_DATA_HOME: '', HOME: '/home/jo' })).toBe('/home/jo/.local/share/mng');
  });
});

describe('namePrefix', () => {
  it('defaults to mng-', () => {
    expect(namePrefix({})).toBe('mng-');
  });

  it('is $MNG_PREFIX when set', () => {
    expect(namePrefix({ MNG_PREFIX: 'mngtest-abc-' })).toBe('mngtest-abc-');
  });
});
